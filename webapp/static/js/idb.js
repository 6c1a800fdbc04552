// The app's one IndexedDB database. Stores:
//   device  — key/value: wrapped account keys, unlocked (non-extractable) CryptoKeys,
//             activity time, sealed drafts
//   items   — the sealed mirror of the user's items (as the API returns them), by id
//   outbox  — sealed changes waiting to be sent, in order (autoincrement seq)
// Nothing decrypted is ever stored here.

export const DB_NAME = 'valitila';
const VERSION = 2;

export function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains('device')) db.createObjectStore('device');
      if (!db.objectStoreNames.contains('items')) {
        const items = db.createObjectStore('items', { keyPath: 'id' });
        items.createIndex('by_created', ['uid', 'created_at']);
      }
      if (!db.objectStoreNames.contains('outbox')) {
        const outbox = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
        outbox.createIndex('by_item', 'id');
      }
    };
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('IndexedDB upgrade blocked by another tab'));
  });
}

/** Run fn(stores...) in one transaction over `names`; resolves with fn's result
 *  (IDBRequest results are unwrapped) once the transaction has committed. */
export async function transact(names, mode, fn) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const list = Array.isArray(names) ? names : [names];
      const tx = db.transaction(list, mode);
      let result;
      try {
        result = fn(...list.map((name) => tx.objectStore(name)));
      } catch (err) {
        tx.abort();
        reject(err);
        return;
      }
      tx.oncomplete = () => resolve(result instanceof IDBRequest ? result.result : result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Resolve an IDBRequest inside a transaction callback chain. */
export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Delete the whole database (logout). */
export function deleteDb() {
  return new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(DB_NAME);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}
