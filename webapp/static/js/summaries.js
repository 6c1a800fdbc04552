// A held session's shared summary (kind "summary", {body}): sealed by the supervisor for
// every active member of the process. Library code for behaviors/held/.
import { shareEnvelope } from './crypto/envelope.js';

/**
 * The summary's text from an opened payload ('' for anything else).
 * @param {unknown} payload
 * @returns {string}
 */
export function summaryText(payload) {
  const body = /** @type {{body?: unknown}} */ (payload || {}).body;
  return typeof body === 'string' ? body : '';
}

/**
 * A summary's full set of readers on a save: the author's own envelope (`owner`) and one
 * for every member, each with the key the pin store vouches for. A member whose key changed
 * and was not verified again (a PinError) gets none; they are returned in `refused`.
 * @param {{id: string, dek: Uint8Array, owner: Record<string, string>, members: string[],
 *   bundleFor: (uid: string) => Promise<{x25519: string}>}} args
 * @returns {Promise<{envelopes: Record<string, string>[], refused: string[]}>}
 */
export async function summaryEnvelopes({ id, dek, owner, members, bundleFor }) {
  /** @type {Record<string, string>[]} */
  const envelopes = [owner];
  /** @type {string[]} */
  const refused = [];
  for (const member of members) {
    if (member === owner.recipient) continue;
    try {
      const bundle = await bundleFor(member);
      envelopes.push(await shareEnvelope(dek, id, member, bundle.x25519));
    } catch (err) {
      if (/** @type {any} */ (err)?.name !== 'PinError') throw err;
      refused.push(member);
    }
  }
  return { envelopes, refused };
}

/**
 * The members' bundles, fetched now: a bundleFor that answers from them (and asks
 * `bundleFor` again for anyone it could not fetch: a changed key is refused then, and with no
 * network the save fails and its draft stays).
 * @param {string[]} members
 * @param {(uid: string) => Promise<{x25519: string}>} bundleFor
 * @returns {Promise<(uid: string) => Promise<{x25519: string}>>}
 */
export async function memberBundles(members, bundleFor) {
  /** @type {Map<string, {x25519: string}>} */
  const fetched = new Map();
  await Promise.all(members.map((uid) => bundleFor(uid).then(
    (bundle) => {
      fetched.set(uid, bundle);
    },
    () => {},
  )));
  return async (uid) => fetched.get(uid) ?? bundleFor(uid);
}
