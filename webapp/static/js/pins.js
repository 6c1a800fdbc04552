// Pinned keys of the people one shares with (PROTOCOL §2 "Pinning"). A pin is the fingerprint
// of someone's bundle as this account first saw it (or as an invite link's #fp= vouched for
// it, or as the user verified it by comparing safety numbers). A later bundle with another
// fingerprint is refused: bundleFor throws PinError('changed') and callers must not share.
//
// Pins live on the device (IndexedDB store `device`, keys `pin:<owner>:<subject>`, wiped with
// the rest of the device data on sign-out) and on the server as records signed by the owner's
// Ed25519 key: "valitila/v1/pin|" + owner + "|" + subject + "|" + fp + "|" + ("1"|"0"), fp being
// b64u of the full 32-byte fingerprint. A new device takes the server's records only when the
// signature verifies with the account's own key, so the server cannot plant or change a pin
// (it can only withhold one, which makes the next sight of that person a first sight again).

import { ApiError, api } from './api.js';
import { b64uEncode, randomBytes, utf8Encode } from './crypto/encoding.js';
import { ed25519Sign, ed25519Verify, verifyBundle } from './crypto/identity.js';
import { fingerprint, fp16 } from './crypto/safety.js';
import { transact } from './idb.js';
import * as keystore from './keystore.js';

/** Why a key cannot be used or pinned. `code`:
 *   fp_mismatch — the invite link's #fp= is not the fingerprint of the bundle the server gave
 *   changed     — the bundle differs from the pinned one (verify again on the safety page)
 *   bad_bundle  — the bundle is malformed, not self-signed, or of another uid
 *   locked      — this device has no unlocked keys (needed to sign and check pin records)
 *   unsynced    — the pins stored on the server could not be read, so nothing is decided */
export class PinError extends Error {
  /** @param {'fp_mismatch'|'changed'|'bad_bundle'|'locked'|'unsynced'} code @param {string} [message] */
  constructor(code, message) {
    super(message || code);
    this.name = 'PinError';
    this.code = code;
  }
}

/**
 * @typedef {{uid: string, v: number, x25519: string, ed25519: string, sig: string}} Bundle
 * @typedef {{owner: string, subject: string, fp: string, verified: boolean,
 *   verified_at: string|null, sig: string, synced: boolean}} Pin
 */

/** The signed message of a pin record. */
export function pinMessage(owner, subject, fp, verified) {
  return `valitila/v1/pin|${owner}|${subject}|${fp}|${verified ? '1' : '0'}`;
}

/** b64u of the full fingerprint of a bundle. */
export async function fingerprintOf(bundle) {
  return b64uEncode(await fingerprint(bundle));
}

// ---------------------------------------------------------------------------------------------
// The account of this device
// ---------------------------------------------------------------------------------------------

/** @type {Promise<{uid: string, signing: CryptoKey, pub: string, bundle: Bundle}>|null} */
let selfPromise = null;
let selfUid = null;

/** The unlocked account: its uid, private signing key and a public key checked against it
 *  (the bundle from the server is only believed once the private key's signature verifies
 *  with it, so a server cannot hand out a bundle of its own to sign pins with). */
async function self() {
  const keys = await keystore.unlockedKeys();
  if (!keys?.ed25519) throw new PinError('locked', 'unlock first');
  if (selfUid !== keys.uid) {
    selfPromise = null;
    selfUid = keys.uid;
  }
  selfPromise ??= (async () => {
    const account = await keystore.account();
    const bundle = account?.uid === keys.uid ? account.keys?.bundle : null;
    if (!(await verifyBundle(bundle, keys.uid))) throw new PinError('bad_bundle', 'own bundle missing or invalid');
    const challenge = utf8Encode(`valitila/v1/pin-self|${b64uEncode(randomBytes(16))}`);
    const sig = await ed25519Sign(keys.ed25519, challenge);
    if (!(await ed25519Verify(bundle.ed25519, sig, challenge))) throw new PinError('bad_bundle', 'own bundle does not match the keys');
    return { uid: keys.uid, signing: keys.ed25519, pub: bundle.ed25519, bundle };
  })();
  selfPromise.catch(() => {
    selfPromise = null;
  });
  const me = await selfPromise;
  return { ...me, signing: keys.ed25519 };
}

// ---------------------------------------------------------------------------------------------
// The device store
// ---------------------------------------------------------------------------------------------

const pinKey = (owner, subject) => `pin:${owner}:${subject}`;
const syncedKey = (owner) => `pins-synced:${owner}`;
const bundleKey = (owner, subject) => `bundle:${owner}:${subject}`;

/** @returns {Promise<Pin|null>} */
async function readPin(owner, subject) {
  return (await transact('device', 'readonly', (store) => store.get(pinKey(owner, subject)))) || null;
}

/** @param {Pin} record */
async function writePin(record) {
  await transact('device', 'readwrite', (store) => store.put(record, pinKey(record.owner, record.subject)));
}

/** Every pin of `owner` on this device. @returns {Promise<Pin[]>} */
async function readAll(owner) {
  const prefix = `pin:${owner}:`;
  const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
  return transact('device', 'readonly', (store) => store.getAll(range));
}

// ---------------------------------------------------------------------------------------------
// Server records
// ---------------------------------------------------------------------------------------------

async function signedRecord(me, subject, fp, verified) {
  const sig = b64uEncode(await ed25519Sign(me.signing, utf8Encode(pinMessage(me.uid, subject, fp, verified))));
  return /** @type {Pin} */ ({
    owner: me.uid, subject, fp, verified, verified_at: verified ? new Date().toISOString() : null, sig, synced: false,
  });
}

/** Send one pin record; a refusal (e.g. 404: no process shared any more) leaves it local. */
async function push(record) {
  try {
    await api('PUT', `/pins/${record.subject}`, { fp: record.fp, verified: record.verified, sig: record.sig });
  } catch (err) {
    if (err instanceof ApiError) return false;
    throw err;
  }
  const current = await readPin(record.owner, record.subject);
  if (current && current.fp === record.fp && current.verified === record.verified) {
    await writePin({ ...current, synced: true });
  }
  return true;
}

/** @type {Map<string, Promise<void>>} */
const syncing = new Map();

/**
 * Merge the pins stored on the server into this device and send the device's unsent ones.
 * Records whose signature does not verify with the account's own key are ignored. Runs once
 * per page (again after a failure). Rejects with PinError('unsynced') when the server's pins
 * cannot be read on a device that never read them (nothing may be decided without them).
 */
export function syncPins() {
  return self().then((me) => {
    let running = syncing.get(me.uid);
    if (!running) {
      running = syncOnce(me);
      syncing.set(me.uid, running);
      running.catch(() => syncing.delete(me.uid));
    }
    return running;
  });
}

async function syncOnce(me) {
  let records;
  try {
    records = (await api('GET', '/pins'))?.pins;
    if (!Array.isArray(records)) throw new Error('no pins in the answer');
  } catch (err) {
    const before = await transact('device', 'readonly', (store) => store.get(syncedKey(me.uid)));
    // A device that already holds the server's pins may go on with them while offline.
    if (before && err instanceof ApiError && err.temporary) return;
    throw new PinError('unsynced', `pins could not be read: ${err?.message || err}`);
  }
  const local = new Map((await readAll(me.uid)).map((p) => [p.subject, p]));
  const onServer = new Set();
  for (const r of records) {
    if (!r || typeof r.subject !== 'string' || typeof r.fp !== 'string' || typeof r.verified !== 'boolean') continue;
    if (!(await ed25519Verify(me.pub, r.sig, utf8Encode(pinMessage(me.uid, r.subject, r.fp, r.verified))))) continue;
    const mine = local.get(r.subject);
    const theirs = /** @type {Pin} */ ({
      owner: me.uid, subject: r.subject, fp: r.fp, verified: r.verified, verified_at: r.verified_at || null, sig: r.sig, synced: true,
    });
    if (!mine) {
      await writePin(theirs);
      local.set(r.subject, theirs);
      onServer.add(r.subject);
    } else if (mine.fp === r.fp) {
      if (r.verified || !mine.verified) {
        await writePin({ ...theirs, verified: r.verified || mine.verified, verified_at: r.verified_at || mine.verified_at });
        local.set(r.subject, { ...theirs });
        onServer.add(r.subject);
      }
    } else if (mine.synced) {
      // Another device of this account pinned another key for them later (re-verified).
      await writePin(theirs);
      local.set(r.subject, theirs);
      onServer.add(r.subject);
    }
  }
  for (const p of local.values()) {
    if (!onServer.has(p.subject) && !p.synced) await push(p);
  }
  await transact('device', 'readwrite', (store) => store.put(new Date().toISOString(), syncedKey(me.uid)));
}

// ---------------------------------------------------------------------------------------------
// The interface
// ---------------------------------------------------------------------------------------------

async function checked(uid, bundle) {
  if (!(await verifyBundle(bundle, uid))) throw new PinError('bad_bundle', 'the key bundle is not valid');
  return fingerprintOf(bundle);
}

/** The pin of `uid` on this device (after syncing), or null. @returns {Promise<Pin|null>} */
export async function pinOf(uid) {
  await syncPins();
  const me = await self();
  return readPin(me.uid, uid);
}

/**
 * Is `bundle` the pinned key of `uid`? Throws PinError('bad_bundle') for an invalid bundle.
 * @param {string} uid
 * @param {Bundle} bundle
 * @returns {Promise<{status: 'new'|'same'|'changed'|'verified'}>}
 */
export async function checkBundle(uid, bundle) {
  const fp = await checked(uid, bundle);
  const me = await self();
  if (uid === me.uid) return { status: fp === (await fingerprintOf(me.bundle)) ? 'verified' : 'changed' };
  const pinned = await pinOf(uid);
  if (!pinned) return { status: 'new' };
  if (pinned.fp !== fp) return { status: 'changed' };
  return { status: pinned.verified ? 'verified' : 'same' };
}

/**
 * Pin `bundle` for `uid` unless a key is pinned already. Throws PinError('changed') when a
 * different key is pinned (only markVerified replaces a pin), 'bad_bundle' when invalid.
 * @param {string} uid
 * @param {Bundle} bundle
 */
export async function pin(uid, bundle) {
  const fp = await checked(uid, bundle);
  const me = await self();
  if (uid === me.uid) {
    // One's own key is known from this device, never pinned.
    if (fp !== (await fingerprintOf(me.bundle))) throw new PinError('changed', 'not this account\'s key');
    return;
  }
  const pinned = await pinOf(uid);
  if (pinned?.fp === fp) return;
  if (pinned) throw new PinError('changed', 'another key is pinned for this person');
  const record = await signedRecord(me, uid, fp, false);
  await writePin(record);
  await push(record);
}

/**
 * Pin the supervisor's bundle from an invite: the link's #fp= must be the bundle's fp16.
 * Throws PinError('fp_mismatch') otherwise (do not join), 'changed' when another key is pinned.
 * @param {string} uid
 * @param {Bundle} bundle from GET /invites/{token}
 * @param {string} linkFp16 from the link's fragment
 */
export async function pinFromInvite(uid, bundle, linkFp16) {
  if (!(await verifyBundle(bundle, uid))) throw new PinError('bad_bundle', 'the key bundle is not valid');
  if (typeof linkFp16 !== 'string' || (await fp16(bundle)) !== linkFp16) {
    throw new PinError('fp_mismatch', 'the key does not match the invite link');
  }
  await pin(uid, bundle);
}

/**
 * The user compared safety numbers and they matched: pin `bundle` (by default the one the
 * server gives now, checked) as verified, replacing a pin of an earlier key.
 * @param {string} uid
 * @param {Bundle} [bundle] the bundle the shown safety number was computed from
 */
export async function markVerified(uid, bundle) {
  const shown = bundle ?? (await api('GET', `/users/${uid}/bundle`));
  const fp = await checked(uid, shown);
  const me = await self();
  if (uid === me.uid) return pin(uid, shown); // nothing to verify about oneself
  await syncPins();
  const record = await signedRecord(me, uid, fp, true);
  await writePin(record);
  await push(record);
}

/**
 * The bundle to share with `uid`: fetched, verified (self-signature, uid), and checked against
 * the pin. The first sight pins it; a different key than the pinned one throws
 * PinError('changed'), and the caller must refuse to share.
 * @param {string} uid
 * @returns {Promise<Bundle>}
 */
export async function bundleFor(uid) {
  const me = await self();
  if (uid === me.uid) return me.bundle;
  let bundle;
  try {
    bundle = await api('GET', `/users/${uid}/bundle`);
  } catch (error) {
    // No network, or the server cannot answer now: the bundle this device last used for this
    // person still seals, as long as it is the pinned key (an answer shared offline waits in
    // the outbox sealed for its reader, like any other change).
    const kept = /** @type {any} */ (error)?.temporary ? await keptBundle(me.uid, uid) : null;
    if (kept) return kept;
    throw error;
  }
  const { status } = await checkBundle(uid, bundle);
  if (status === 'changed') throw new PinError('changed', 'this person\'s key has changed');
  if (status === 'new') await pin(uid, bundle);
  await transact('device', 'readwrite', (store) => store.put(bundle, bundleKey(me.uid, uid)));
  return bundle;
}

/** The bundle kept on this device for `uid`, only while it is still the pinned key. */
async function keptBundle(owner, uid) {
  const kept = await transact('device', 'readonly', (store) => store.get(bundleKey(owner, uid)));
  const pinned = await readPin(owner, uid);
  if (!kept || !pinned) return null;
  const fp = await checked(uid, kept).catch(() => null);
  return fp === pinned.fp ? /** @type {Bundle} */ (kept) : null;
}

/** Send this device's pin records that the server has not taken yet (a pin made just before
 *  joining a process is refused until the two share it). */
export async function sendPendingPins() {
  const me = await self();
  for (const record of await readAll(me.uid)) {
    if (!record.synced) await push(record);
  }
}

/** Forget the page's cached account and sync state (tests, account switch). */
export function resetPinsCache() {
  selfPromise = null;
  selfUid = null;
  syncing.clear();
}
