// Goal check-ins and proposed topics (issue 10) in the browser: sealing them, and the sharing
// switch of a goal's check-ins. Library code without DOM: the checkins behaviours use it;
// node tests run it with real keys.
//
// A check-in's payload: {"value": 0..10, "note": text} (kind "checkin", process = pid,
// links.goal = the goal item). A topic's payload: {"text": text} (kind "topic", process =
// pid, links.session = the next planned session when there is one).
import { api } from './api.js';
import { ownerEnvelope, sealItem, shareEnvelope } from './crypto/envelope.js';
import { rotateIfDue, shareItem } from './sharing.js';

/** A check-in's value from an opened payload (untrusted JSON): an integer 0–10, or null. */
export function checkinValue(payload) {
  const value = /** @type {any} */ (payload)?.value;
  return Number.isInteger(value) && value >= 0 && value <= 10 ? value : null;
}

/** A check-in's note, or a topic's text, from an opened payload ('' when missing). */
export function noteOf(payload) {
  const note = /** @type {any} */ (payload)?.note;
  return typeof note === 'string' ? note : '';
}

export function topicText(payload) {
  const text = /** @type {any} */ (payload)?.text;
  return typeof text === 'string' ? text : '';
}

/**
 * The PUT body of an item of a process written by a supervisee, sealed and signed with the
 * item's DEK. A new item (rev 1) carries the author's own envelope and, when `readers` names
 * any (the supervisor), one for each through the process, with the key the pin store vouches
 * for (`bundleFor` throws a PinError when it changed: nothing is sealed for them then).
 * @param {{id: string, kind: 'checkin' | 'topic', rev: number, payload: object, dek: Uint8Array,
 *   pid: string, links: Record<string, string> | null, uid: string,
 *   keys: {ak: CryptoKey, ed25519: CryptoKey}, readers?: string[],
 *   bundleFor: (uid: string) => Promise<{x25519: string}>}} args
 */
export async function processItemBody({ id, kind, rev, payload, dek, pid, links, uid, keys, readers = [], bundleFor }) {
  /** @type {Record<string, string>[]} */
  const others = [];
  if (rev === 1) {
    for (const reader of readers) {
      if (reader === uid) continue;
      const bundle = await bundleFor(reader); // before sealing: a changed key stops here
      others.push(await shareEnvelope(dek, id, reader, bundle.x25519));
    }
  }
  const sealed = await sealItem({ id, kind, rev, by: uid, payload, dek, signingKey: keys.ed25519 });
  /** @type {Record<string, any>} */
  const body = { kind, rev, sealed: sealed.sealed, sig: sealed.sig, process: pid };
  if (links) body.links = links;
  if (rev === 1) body.envelopes = [await ownerEnvelope(keys.ak, dek, id, uid), ...others];
  return body;
}

/** A check-in's payload from the form's values. */
export function checkinPayload(value, note) {
  if (!Number.isInteger(value) || value < 0 || value > 10) throw new RangeError('a check-in is 0–10');
  return { value, note: typeof note === 'string' ? note.trim() : '' };
}

/**
 * Turn the sharing of my check-ins on a goal on or off (PUT …/checkin-sharing). Off: the
 * server deleted the supervisor's envelopes at once; each check-in's key is rotated now
 * (PROTOCOL §5), or on a later open when that cannot happen now.
 * @param {{pid: string, goal: string, shared: boolean}} choice
 * @param {{keys: any, uid: string}} me
 * @returns {Promise<{shared: boolean, revoked: string[]}>}
 */
export async function setCheckinSharing({ pid, goal, shared }, me) {
  const answer = await api('PUT', `/processes/${pid}/goals/${goal}/checkin-sharing`, { shared });
  for (const id of answer.revoked || []) {
    try {
      await rotateIfDue(id, me);
    } catch (err) {
      console.warn('key rotation left for the next open', err);
    }
  }
  return { shared: answer.shared, revoked: answer.revoked || [] };
}

/**
 * Share earlier check-ins with the supervisor through the process (after the switch was
 * turned on). Resolves to how many were shared.
 * @param {string[]} ids
 * @param {{supervisor: string, pid: string}} to
 * @param {{keys: any, uid: string}} me
 */
export async function shareEarlier(ids, { supervisor, pid }, me) {
  let shared = 0;
  for (const itemId of ids) {
    await shareItem({ itemId, recipient: supervisor, process: pid }, me);
    shared += 1;
  }
  return shared;
}
