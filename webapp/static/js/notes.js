// A supervisor's private notes (kind "note", process = pid, links.session optional): sealed
// on this device with a fresh DEK and the author's own envelope only, so that nobody else —
// not the supervisees, not the server — can read them. The server refuses any other
// envelope of a note (private_note). Library code of the notes behaviours.
import { api } from './api.js';
import { newDek, ownerEnvelope, sealItem } from './crypto/envelope.js';

/**
 * @typedef {object} NoteState  kept by the caller across retries of one write: the same
 *   sealed body is sent again while the text and session are unchanged (a retry is then
 *   answered like the first try)
 * @property {string} id
 * @property {number} rev  the rev this write creates (1 for a new note)
 * @property {Uint8Array} dek
 * @property {any} [body]
 * @property {string} [key]
 */

/** A new note's state: a fresh id and DEK. @returns {NoteState} */
export function newNoteState() {
  return { id: crypto.randomUUID(), rev: 1, dek: newDek() };
}

/**
 * The PUT body of a note's write (rev 1 creates it with the owner envelope; a later rev
 * keeps the stored envelope and replaces the links).
 * @param {NoteState} state
 * @param {{text: string, session: string | null, pid: string, uid: string,
 *   keys: {ak: CryptoKey, ed25519: CryptoKey}}} note
 */
export async function noteBody(state, { text, session, pid, uid, keys }) {
  const key = JSON.stringify([text, session]);
  if (state.body && state.key === key) return state.body;
  const sealed = await sealItem({ id: state.id, kind: 'note', rev: state.rev, by: uid, payload: { body: text }, dek: state.dek, signingKey: keys.ed25519 });
  /** @type {Record<string, any>} */
  const body = { kind: 'note', rev: state.rev, sealed: sealed.sealed, sig: sealed.sig, process: pid, links: session ? { session } : null };
  if (state.rev === 1) body.envelopes = [await ownerEnvelope(keys.ak, state.dek, state.id, uid)];
  Object.assign(state, { body, key });
  return body;
}

/** Send a note's write; resolves to the stored item. */
export async function putNote(state, note) {
  return api('PUT', `/items/${state.id}`, await noteBody(state, note));
}

/** The text of an opened note's payload (untrusted JSON). */
export function noteText(payload) {
  return typeof payload?.body === 'string' ? payload.body : '';
}
