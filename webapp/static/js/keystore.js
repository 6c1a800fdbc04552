// Keys on this device. The unlocked keys are non-extractable CryptoKeys kept in IndexedDB
// (memory only where the browser cannot store a CryptoKey); beside them the account's
// *wrapped* key material, so that unlocking after an inactivity lock works from the
// password alone. Nothing decrypted is ever stored.

import { deleteDb, transact } from './idb.js';

// Only where the browser refuses to store a CryptoKey (some private modes) do the unlocked
// keys live in this page's memory; everything else is read from IndexedDB every time, so
// that other tabs see a lock or an unlock at once.
const memory = new Map();
let useMemoryOnly = false;

async function put(key, value) {
  prefetched.delete(key);
  if (useMemoryOnly && key === 'unlocked') {
    memory.set(key, value);
    return;
  }
  try {
    await transact('device', 'readwrite', (store) => store.put(value, key));
  } catch (err) {
    if (key !== 'unlocked') throw err;
    useMemoryOnly = true;
    memory.set(key, value);
  }
}

// Reads started early (prefetch, at page start) and taken by the first get() of the same key
// within PREFETCH_MS; a put() or remove() of the key in this page drops it first.
/** @type {Map<string, {at: number, value: Promise<unknown>}>} */
const prefetched = new Map();
const PREFETCH_MS = 2000;

/**
 * Start reading `keys` (e.g. 'unlocked', 'account') now, in one transaction, for the first
 * get() of each that follows soon: a signed-in page (app.js) reads its keys while its
 * behaviours are still loading instead of after. A failed read is retried by that get().
 * @param {string[]} keys
 */
export function prefetch(keys) {
  const wanted = keys.filter((key) => !memory.has(key) && !prefetched.has(key));
  if (!wanted.length) return;
  const all = transact('device', 'readonly', (store) => wanted.map((key) => store.get(key))).then((requests) =>
    requests.map((req) => req.result),
  );
  all.catch(() => {});
  const at = performance.now();
  wanted.forEach((key, index) => prefetched.set(key, { at, value: all.then((values) => values[index]) }));
}

async function get(key) {
  if (memory.has(key)) return memory.get(key);
  const early = prefetched.get(key);
  if (early) {
    prefetched.delete(key);
    if (performance.now() - early.at < PREFETCH_MS) {
      try {
        return await early.value;
      } catch {
        /* read again below */
      }
    }
  }
  try {
    return await transact('device', 'readonly', (store) => store.get(key));
  } catch {
    return undefined;
  }
}

async function remove(key) {
  prefetched.delete(key);
  memory.delete(key);
  try {
    await transact('device', 'readwrite', (store) => store.delete(key));
  } catch {
    /* nothing stored */
  }
}

/** Remember the signed-in account's wrapped keys and its unlocked CryptoKeys. */
export async function saveSession({ uid, email, keys, unlocked }) {
  await put('account', { uid, email, keys });
  await put('unlocked', {
    uid, ak: unlocked.ak, x25519: unlocked.x25519, ed25519: unlocked.ed25519, x25519Public: unlocked.x25519Public,
  });
  await touch();
}

/** The wrapped key material of the account last used on this device, or null. */
export async function account() {
  return (await get('account')) || null;
}

/** Unlocked keys for `uid` ({ak, x25519, ed25519}), or null when locked or absent. */
export async function unlockedKeys(uid) {
  const unlocked = await get('unlocked');
  if (!unlocked || (uid && unlocked.uid !== uid)) return null;
  return unlocked;
}

/** Record activity now (the inactivity lock counts from the last one). */
export async function touch() {
  await put('activity', Date.now());
}

export async function lastActivity() {
  return (await get('activity')) || 0;
}

const beforeLockHooks = new Set();

/** Run `fn` (async) just before the keys are dropped, e.g. to seal an open draft. */
export function beforeLock(fn) {
  beforeLockHooks.add(fn);
}

/** Drop the unlocked keys; the wrapped material stays so the password can unlock again. */
export async function lock() {
  for (const fn of beforeLockHooks) {
    try {
      await fn();
    } catch (err) {
      console.error('before-lock hook failed', err);
    }
  }
  await remove('unlocked');
}

/** Keep a value that is already sealed (e.g. a draft) on this device. */
export async function putSealed(key, value) {
  await put(`sealed:${key}`, value);
}

export async function getSealed(key) {
  return (await get(`sealed:${key}`)) || null;
}

export async function removeSealed(key) {
  await remove(`sealed:${key}`);
}

/** Remove everything this app stored on the device: keys, IndexedDB, caches. */
export async function wipeDevice() {
  memory.clear();
  prefetched.clear();
  await deleteDb();
  if (globalThis.caches) {
    for (const name of await caches.keys()) await caches.delete(name);
  }
  try {
    sessionStorage.clear();
    localStorage.clear();
  } catch {
    /* storage disabled */
  }
}
