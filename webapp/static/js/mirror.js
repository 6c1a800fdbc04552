// The sealed mirror of the user's items on this device (IndexedDB store "items"): at least
// the latest MIRROR_SIZE and everything not yet synced, so the journal opens offline and
// decrypts locally. Items are kept exactly as the API returns them (ciphertext + the
// reader's envelope), plus `uid` (whose mirror) and `pending` (changed here, not yet sent).
import { ApiError, api } from './api.js';
import { request, transact } from './idb.js';

export const MIRROR_SIZE = 200;

/** Store items fetched from the server (not pending). A pending local copy is kept. */
export async function remember(uid, items) {
  if (!items.length) return;
  await transact('items', 'readwrite', (store) => {
    for (const item of items) {
      request(store.get(item.id)).then((local) => {
        if (local?.pending && local.rev >= item.rev) return;
        store.put({ ...item, uid, pending: false, serverRev: item.rev });
      });
    }
  });
}

/** Store a version written on this device that still waits in the outbox. */
export async function putLocal(uid, item) {
  await transact('items', 'readwrite', (store) => store.put({ ...item, uid, pending: true }));
}

/** Mark a local version as accepted by the server (rev `rev`). */
export async function confirm(id, rev, serverItem) {
  await transact('items', 'readwrite', (store) => {
    request(store.get(id)).then((local) => {
      if (!local) return;
      const next = serverItem ? { ...local, ...serverItem } : local;
      store.put({ ...next, pending: local.rev > rev, serverRev: rev });
    });
  });
}

export async function get(id) {
  return (await transact('items', 'readonly', (store) => store.get(id))) || null;
}

export async function forget(id) {
  await transact('items', 'readwrite', (store) => store.delete(id));
}

/** The user's mirrored items of a kind, newest first. */
export async function list(uid, kind = 'entry') {
  const all = await transact('items', 'readonly', (store) =>
    store.index('by_created').getAll(IDBKeyRange.bound([uid, ''], [uid, '\uffff'])),
  );
  return all.filter((item) => !kind || item.kind === kind).reverse();
}

/** Keep the newest MIRROR_SIZE synced items and every pending one. */
export async function prune(uid) {
  const items = await list(uid, null);
  const drop = items.filter((item, index) => index >= MIRROR_SIZE && !item.pending);
  if (!drop.length) return;
  await transact('items', 'readwrite', (store) => {
    for (const item of drop) store.delete(item.id);
  });
}

/** When this device last had a complete fresh list from the server (ms), or 0. */
export async function lastSynced(uid) {
  return (await transact('device', 'readonly', (store) => store.get(`synced:${uid}`))) || 0;
}

export async function markSynced(uid) {
  await transact('device', 'readwrite', (store) => store.put(Date.now(), `synced:${uid}`));
}

const REFRESH_AFTER = 5 * 60_000;

/** Bring the mirror up to date with the server's newest MIRROR_SIZE items (sealed), at
 *  most every REFRESH_AFTER unless `force`. Items deleted elsewhere leave the mirror. */
export async function refresh(uid, { force = false } = {}) {
  if (!force && Date.now() - (await lastSynced(uid)) < REFRESH_AFTER) return false;
  const fresh = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: '100' });
    if (cursor) query.set('before', cursor);
    let page;
    try {
      page = await api('GET', `/items?${query}`);
    } catch (err) {
      if (err instanceof ApiError) return false; // offline or signed out: keep what is here
      throw err;
    }
    fresh.push(...page.items);
    cursor = page.next;
  } while (cursor && fresh.length < MIRROR_SIZE);
  await remember(uid, fresh);
  const known = new Set(fresh.map((item) => item.id));
  const oldest = fresh.at(-1)?.created_at ?? '';
  const gone = (await list(uid, null)).filter((item) => !item.pending && !known.has(item.id) && item.created_at >= oldest);
  if (gone.length) await transact('items', 'readwrite', (store) => gone.forEach((item) => store.delete(item.id)));
  await prune(uid);
  await markSynced(uid);
  return true;
}
