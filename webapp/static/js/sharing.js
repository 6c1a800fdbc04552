// Sharing an item with the supervisor, and the key rotation after a reader lost access
// (PROTOCOL §5). Library code for the sharing behaviours; no DOM.
//
// Why the rotation is driven by a server flag, not a marker on this device: a revoke made on
// one device, a share that expired and was purged, or a membership that ended must all lead
// the author's client to rotate, on whichever device opens the entry next; a marker kept in
// IndexedDB would be lost with the device's data (Safari evicts it, sign-out wipes it) and
// would never exist for what happened elsewhere. The server knows (items.rekey_due, or an
// expired envelope not yet purged) and says so in GET /items/{id}/readers; it learns nothing
// new from it.
import { ApiError, api } from './api.js';
import { newDek, ownerEnvelope, sealItem, shareEnvelope } from './crypto/envelope.js';
import * as mirror from './mirror.js';
import * as outbox from './outbox.js';
import { bundleFor } from './pins.js';
import { openSealed } from './sealed-items.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * @typedef {{starts_on: string|null, ends_on?: string|null, interval_days: number,
 *   session_count: number, session_minutes?: number,
 *   next_session_end?: string|null}} Frame  a process's schedule frame
 */

/** A calendar date 'YYYY-MM-DD' as local midnight, or null. */
function localDay(text) {
  const match = typeof text === 'string' && /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return match ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : null;
}

/**
 * The end of the next session, for "until the end of the next session". A process with a
 * schedule says it (`next_session_end`, RFC 3339, or null when no session is left). Without
 * one, from the frame: sessions fall on starts_on + k × interval_days (k < session_count, not
 * after ends_on); the frame has dates only, so a session ends with its day (local midnight
 * after it, in this device's time zone). Null when no session is left or known.
 * @param {Frame|null|undefined} frame
 * @param {Date} [now]
 * @returns {Date|null}
 */
export function nextSessionEnd(frame, now = new Date()) {
  if (frame && 'next_session_end' in frame) {
    const end = frame.next_session_end ? new Date(frame.next_session_end) : null;
    return end && !Number.isNaN(end.getTime()) && end > now ? end : null;
  }
  const start = localDay(frame?.starts_on);
  const interval = frame?.interval_days;
  const count = frame?.session_count;
  if (!start || !Number.isInteger(interval) || interval < 1 || !Number.isInteger(count) || count < 1) return null;
  const last = localDay(frame.ends_on);
  for (let k = 0; k < count; k += 1) {
    const day = new Date(start.getFullYear(), start.getMonth(), start.getDate() + k * interval);
    if (last && day > last) return null;
    const end = new Date(day.getFullYear(), day.getMonth(), day.getDate() + 1);
    if (end > now) return end;
  }
  return null;
}

/**
 * The expiry of a share: null (until revoked), the end of the next session, or N days.
 * @param {'revoked'|'session'|'days'} duration
 * @param {{frame?: Frame|null, days?: number, now?: Date}} [options]
 * @returns {string|null} RFC 3339 UTC
 */
export function shareExpiry(duration, { frame = null, days = 0, now = new Date() } = {}) {
  if (duration === 'revoked') return null;
  if (duration === 'session') {
    const end = nextSessionEnd(frame, now);
    if (!end) throw new RangeError('no next session in the frame');
    return end.toISOString();
  }
  if (duration === 'days' && Number.isInteger(days) && days >= 1 && days <= 365) {
    return new Date(now.getTime() + days * DAY_MS).toISOString();
  }
  throw new RangeError('bad duration');
}

/**
 * Share the author's item with `recipient` through `process` (PROTOCOL §5): the DEK from the
 * owner envelope (opened and verified as the journal opens items), the recipient's bundle
 * checked against the pin (PinError('changed') when the key changed: nothing is sent), an
 * X25519 envelope, PUT /items/{id}/envelopes/{uid}.
 * @param {{itemId: string, recipient: string, process: string, expiresAt?: string|null,
 *   bring?: boolean}} share
 * @param {{keys: any, uid: string}} me
 */
export async function shareItem({ itemId, recipient, process, expiresAt = null, bring = false }, { keys, uid }) {
  const bundle = await bundleFor(recipient); // before any key is touched: a changed key stops here
  const item = await api('GET', `/items/${itemId}`);
  const { dek } = await openSealed(item, keys, uid);
  try {
    const envelope = await shareEnvelope(dek, itemId, recipient, bundle.x25519);
    /** @type {Record<string, unknown>} */
    const body = { envelope, process };
    if (expiresAt) body.expires_at = expiresAt;
    if (bring) body.bring = true;
    await api('PUT', `/items/${itemId}/envelopes/${recipient}`, body);
  } finally {
    dek.fill(0);
  }
}

/**
 * Rotate the item's key when a reader lost access (PROTOCOL §5): a new DEK, the payload
 * sealed again at rev + 1 and signed, the author's own envelope and one for every reader who
 * keeps access (their process, expiry and mark stay on the server), in one PUT. A change of
 * the item made meanwhile (409) or a reader who left meanwhile (403) is answered by starting
 * again from the server's state. Not while this device still holds an unsent change of the
 * item (its edit would then conflict with the rotation): the next open rotates.
 * @param {string} itemId
 * @param {{keys: any, uid: string}} me
 * @returns {Promise<'rotated'|'not_due'|'pending'>}
 * @throws {import('./pins.js').PinError} 'changed' when a reader's key changed (nothing sent)
 */
export async function rotateIfDue(itemId, { keys, uid }, attempts = 3) {
  if ((await outbox.pending(uid)).some((op) => op.id === itemId)) return 'pending';
  for (let attempt = 1; ; attempt += 1) {
    const { readers, rekey_due: due } = await api('GET', `/items/${itemId}/readers`);
    if (!due) return 'not_due';
    const bundles = await Promise.all(readers.map((reader) => bundleFor(reader.recipient)));
    const item = await api('GET', `/items/${itemId}`);
    const { payload, dek: old } = await openSealed(item, keys, uid);
    old.fill(0);
    const dek = newDek();
    const rev = item.rev + 1;
    try {
      const sealed = await sealItem({ id: itemId, kind: item.kind, rev, by: uid, payload, dek, signingKey: keys.ed25519 });
      /** @type {object[]} */
      const envelopes = [await ownerEnvelope(keys.ak, dek, itemId, uid)];
      for (const [index, reader] of readers.entries()) {
        envelopes.push(await shareEnvelope(dek, itemId, reader.recipient, bundles[index].x25519));
      }
      const saved = await api('PUT', `/items/${itemId}`, { kind: item.kind, rev, sealed: sealed.sealed, sig: sealed.sig, envelopes });
      await mirror.remember(uid, [saved]);
      return 'rotated';
    } catch (err) {
      const raced = err instanceof ApiError && (err.conflict || (err.status === 403 && err.code === 'not_shared_process'));
      if (!raced || attempt >= attempts) throw err;
    } finally {
      dek.fill(0);
    }
  }
}

/**
 * Revoke one reader's access (the envelope is deleted at once), then rotate the item's key.
 * A rotation that cannot happen now (offline, a changed key) is left for the next open: the
 * server keeps the item marked. Resolves to the rotation's outcome, or 'later'.
 * @param {string} itemId
 * @param {string} reader
 * @param {{keys: any, uid: string}} me
 */
export async function revoke(itemId, reader, me) {
  try {
    await api('DELETE', `/items/${itemId}/envelopes/${reader}`);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err; // already gone: rotate
  }
  try {
    return await rotateIfDue(itemId, me);
  } catch (err) {
    console.warn('key rotation left for the next open', err);
    return 'later';
  }
}
