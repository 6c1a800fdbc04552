// The app's one IndexedDB database. Stores:
//   device  — key/value: wrapped account keys, unlocked (non-extractable) CryptoKeys,
//             activity time, sealed drafts
//   items   — the sealed mirror of the user's items (as the API returns them), by id
//   outbox  — sealed changes waiting to be sent, in order (autoincrement seq)
// Nothing decrypted is ever stored here.

export const DB_NAME = 'valitila';
const VERSION = 2;

let connection = null; // one open connection per page (or worker), opened on first use

function open() {
  const opening = new Promise((resolve, reject) => {
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
      const forget = () => {
        if (connection === opening) connection = null;
      };
      // Another page upgrades or deletes the database (sign-out): step aside at once.
      db.onversionchange = () => {
        forget();
        db.close();
      };
      db.onclose = forget; // closed by the browser (storage cleared, disk trouble)
      resolve(db);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('IndexedDB upgrade blocked by another tab'));
  });
  opening.catch(() => {
    if (connection === opening) connection = null;
  });
  return opening;
}

/** The page's connection, opened once and kept: opening costs more than most operations. */
export function openDb() {
  connection ??= open();
  return connection;
}

/** Close the kept connection (before deleting the database). */
export async function closeDb() {
  const current = connection;
  connection = null;
  if (current) (await current.catch(() => null))?.close();
}

/** A transaction on the kept connection; if that connection was closed under us (another
 *  page deleted or upgraded the database), on a fresh one. */
async function transaction(list, mode) {
  const db = await openDb();
  try {
    return db.transaction(list, mode);
  } catch (err) {
    if (err?.name !== 'InvalidStateError') throw err;
    if (connection && (await connection) === db) connection = null;
    return (await openDb()).transaction(list, mode);
  }
}

/** Run fn(stores...) in one transaction over `names`; resolves with fn's result
 *  (IDBRequest results are unwrapped) once the transaction has committed. */
export async function transact(names, mode, fn) {
  const list = Array.isArray(names) ? names : [names];
  const tx = await transaction(list, mode);
  return new Promise((resolve, reject) => {
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
}

/** Resolve an IDBRequest inside a transaction callback chain. */
export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Delete the whole database (logout). */
export async function deleteDb() {
  await closeDb();
  return new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(DB_NAME);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
}
