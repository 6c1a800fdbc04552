// The supervisor's client gives new members of a process the keys of its member items (the
// process's name now; its contract, goals and agendas later). End-to-end encryption means the
// server cannot do it: it only knows who lacks an envelope (GET /processes/shares-due), and
// the supervisor's device, holding each item's key, wraps that key for the member's public
// key as the pin store vouches for it (pins.js bundleFor: verified, pinned on first sight,
// refused when the key changed since).
//
// Library code without DOM: the `process-sync` behaviour runs it; node tests give it fakes
// of its collaborators (the real crypto runs).
import { openEnvelope, shareEnvelope } from './crypto/envelope.js';
import { wipe } from './crypto/encoding.js';

/**
 * @typedef {{item: string, process: string, uid: string}} Due  one item one member lacks
 * @typedef {{shared: Set<string>, refused: Map<string, string>, failed: number}} ShareResult
 *   shared: members who got every envelope they lacked; refused: uid → the pin store's
 *   PinError code (a changed key: nothing is shared to them); failed: envelopes not made
 *   (offline, refused by the server), tried again on the next page
 */

/**
 * Share every due item with its member.
 * @param {Due[]} due
 * @param {{api: (method: string, path: string, body?: unknown) => Promise<any>,
 *   bundleFor: (uid: string) => Promise<{x25519: string}>,
 *   keys: {ak: CryptoKey, x25519: CryptoKey}, uid: string}} deps
 * @returns {Promise<ShareResult>}
 */
export async function shareDue(due, { api, bundleFor, keys, uid }) {
  /** @type {Map<string, Due[]>} */
  const byItem = new Map();
  for (const row of due) byItem.set(row.item, [...(byItem.get(row.item) || []), row]);
  /** @type {Map<string, Promise<{x25519: string}>>} */
  const bundles = new Map();
  const bundleOf = (member) => {
    if (!bundles.has(member)) bundles.set(member, bundleFor(member));
    return /** @type {Promise<{x25519: string}>} */ (bundles.get(member));
  };
  const touched = new Set();
  /** @type {Map<string, string>} */
  const refused = new Map();
  const incomplete = new Set();
  let failed = 0;
  for (const [itemId, rows] of byItem) {
    let dek;
    try {
      const item = await api('GET', `/items/${itemId}`);
      if (item.author !== uid) throw new Error('not my item');
      dek = await openEnvelope(keys, item.envelope, itemId, uid);
    } catch {
      failed += rows.length;
      rows.forEach((row) => incomplete.add(row.uid));
      continue;
    }
    try {
      for (const row of rows) {
        touched.add(row.uid);
        try {
          const bundle = await bundleOf(row.uid);
          const envelope = await shareEnvelope(dek, itemId, row.uid, bundle.x25519);
          await api('PUT', `/items/${itemId}/envelopes/${row.uid}`, { envelope, process: row.process });
        } catch (err) {
          incomplete.add(row.uid);
          if (err?.name === 'PinError') refused.set(row.uid, err.code);
          else failed += 1;
        }
      }
    } finally {
      wipe(dek);
    }
  }
  const shared = new Set([...touched].filter((member) => !incomplete.has(member)));
  return { shared, refused, failed };
}
