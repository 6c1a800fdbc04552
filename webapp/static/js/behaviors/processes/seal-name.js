// Sealing a process's name (kind "title", process = pid): a new item with the author's own
// envelope, or the next revision of the existing one with its key. Shared by the new-process
// and rename behaviours. The name leaves this device only sealed.
import { api } from '../../api.js';
import { newDek, ownerEnvelope, sealItem } from '../../crypto/envelope.js';

/**
 * The PUT body of a name. `state` is kept by the caller across retries: the same sealed body
 * is sent again (the server answers a repeated write like the first one).
 * @param {{id: string, rev: number, dek: Uint8Array, body?: any, name?: string}} state
 * @param {string} name
 * @param {string} pid
 * @param {{ak: CryptoKey, ed25519: CryptoKey}} keys
 * @param {string} uid
 */
export async function nameBody(state, name, pid, keys, uid) {
  if (state.body && state.name === name) return state.body;
  const sealed = await sealItem({ id: state.id, kind: 'title', rev: state.rev, by: uid, payload: { title: name }, dek: state.dek, signingKey: keys.ed25519 });
  /** @type {Record<string, any>} */
  const body = { kind: 'title', rev: state.rev, sealed: sealed.sealed, sig: sealed.sig, process: pid };
  if (state.rev === 1) body.envelopes = [await ownerEnvelope(keys.ak, state.dek, state.id, uid)];
  Object.assign(state, { body, name });
  return body;
}

/** A fresh name item's state. */
export function newNameState() {
  return { id: crypto.randomUUID(), rev: 1, dek: newDek() };
}

/** Send a name; resolves to the stored item. */
export async function putName(state, name, pid, keys, uid) {
  const body = await nameBody(state, name, pid, keys, uid);
  return api('PUT', `/items/${state.id}`, body);
}
