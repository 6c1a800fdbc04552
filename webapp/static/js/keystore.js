// Keys on this device. The unlocked keys are non-extractable CryptoKeys kept in IndexedDB
// (memory only where the browser cannot store a CryptoKey); beside them the account's
// *wrapped* key material, so that unlocking after an inactivity lock works from the
// password alone. Nothing decrypted is ever stored.

const DB_NAME = 'valitila';
const STORE = 'device';
let memory = new Map();      // fallback, and the cache of what is in IndexedDB
let useMemoryOnly = false;

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore(mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result?.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

async function put(key, value) {
  memory.set(key, value);
  if (useMemoryOnly) return;
  try {
    await withStore('readwrite', (store) => store.put(value, key));
  } catch (err) {
    // Private modes may refuse to store CryptoKeys: keep them in memory for this page.
    if (key === 'unlocked') useMemoryOnly = true;
    else throw err;
  }
}

async function get(key) {
  if (memory.has(key)) return memory.get(key);
  if (useMemoryOnly) return undefined;
  try {
    const value = await withStore('readonly', (store) => store.get(key));
    if (value !== undefined) memory.set(key, value);
    return value;
  } catch {
    return undefined;
  }
}

async function remove(key) {
  memory.delete(key);
  try {
    await withStore('readwrite', (store) => store.delete(key));
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
  memory = new Map();
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
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
