// The outbox: sealed changes made on this device, sent to the server in order. Creates are
// idempotent by item id, updates carry their rev, deletes are queued too. Nothing here is
// ever plaintext: a change is queued already sealed and signed.
//
// An op is {seq, uid, id, op: 'put'|'delete', rev, body, queuedAt, attempts, conflict?, error?}.
// Rules that keep "no loss, no duplicate" whatever the network does:
// - an op that was never attempted may be replaced by a newer version of the same item
//   (same rev); once attempted, it may have reached the server, so it stays and the newer
//   version is queued after it with the next rev;
// - a retried PUT is answered like the first one (the server is idempotent for the same
//   rev and content), so a lost response never duplicates;
// - a 409 marks the op as a conflict ({rev: the stored rev}) and stops the item's later ops
//   until the user chooses;
// - a 410 `deleted` (the id was deleted elsewhere and stays deleted) marks a PUT as a
//   conflict too, {rev: 0, deleted: true}: the sealed text stays queued until the user keeps
//   it as a new item or discards it; a DELETE answered 404 or 410 is done;
// - no answer, 401 (signed out), 429, 5xx and 503 (Retry-After) stop the sync and keep
//   every op as it is, to be sent later; any other refusal marks the op failed (retry).
// HTTP, CSRF and error parsing are api.js's (one token cache for pages, outbox and worker).
//
// The same module runs in the page and in the service worker (sw.js imports it): a page
// sends what waits while it is open; where the browser has Background Sync, queueing also
// asks the worker to send it once the network is back, even when no page is open then.
// Web Locks keep the two from sending at the same time.
import { ApiError, api, me } from './api.js';
import { request, transact } from './idb.js';
import * as mirror from './mirror.js';

const LOCK = 'valitila-outbox';
/** The Background Sync tag (sw.js answers its `sync` event). */
export const SYNC_TAG = 'valitila-outbox';
const inPage = typeof window !== 'undefined' && typeof document !== 'undefined';
let running = null;

function notify() {
  if (inPage) window.dispatchEvent(new CustomEvent('valitila:outbox'));
}

// In a page: the service worker's Background Sync changed the outbox; tell this page's views
// (status line, offline journal, editor) as if the page had sent it itself.
if (inPage && navigator.serviceWorker) {
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data?.type === 'OUTBOX') notify();
  });
  navigator.serviceWorker.startMessages();
}

/** Ask the service worker to send what waits once the network is back (Background Sync,
 *  where the browser has it; elsewhere the open page keeps trying by itself). */
async function requestBackgroundSync() {
  if (!inPage || !navigator.serviceWorker) return;
  try {
    /** @type {(ServiceWorkerRegistration & {sync?: {register(tag: string): Promise<void>}}) | undefined} */
    const registration = await navigator.serviceWorker.getRegistration();
    if (registration?.active && registration.sync) await registration.sync.register(SYNC_TAG);
  } catch {
    /* not allowed here (e.g. private mode): the page syncs while it is open */
  }
}

/** All ops of `uid`, oldest first. */
export async function pending(uid) {
  const all = await transact('outbox', 'readonly', (store) => store.getAll());
  return all.filter((op) => op.uid === uid);
}

/** The rev the next version of item `id` must carry: after the last queued one, else
 *  after the server's. */
export async function nextRev(uid, id, serverRev) {
  const ops = (await pending(uid)).filter((op) => op.id === id && op.op === 'put');
  const last = ops.at(-1);
  if (last && !last.attempts && !last.conflict) return last.rev; // will replace it
  return Math.max(serverRev, last?.rev ?? 0) + 1;
}

/** Queue a sealed PUT body for item `id` (and keep the sealed version in the mirror). */
export async function queuePut(uid, id, body, mirrorItem) {
  await transact(['outbox', 'items'], 'readwrite', (outbox, items) => {
    request(outbox.index('by_item').getAll(id)).then((ops) => {
      const last = ops.filter((op) => op.uid === uid).at(-1);
      const op = { uid, id, op: 'put', rev: body.rev, body, queuedAt: Date.now(), attempts: 0 };
      if (last && last.op === 'put' && !last.attempts && !last.conflict && last.rev === body.rev) {
        // Never sent: replace in place. A create keeps its owner envelope.
        if (last.body.envelopes && !body.envelopes) op.body = { ...body, envelopes: last.body.envelopes };
        outbox.put({ ...op, seq: last.seq });
      } else {
        outbox.add(op);
      }
    });
    items.put({ ...mirrorItem, uid, pending: true });
  });
  notify();
  requestBackgroundSync();
}

/** Queue a delete of item `id`; unsent changes of it are dropped. */
export async function queueDelete(uid, id) {
  await transact(['outbox', 'items'], 'readwrite', (outbox, items) => {
    request(outbox.index('by_item').getAll(id)).then((ops) => {
      let neverSent = true;
      for (const op of ops) {
        if (op.uid !== uid) continue;
        if (op.attempts) neverSent = false;
        else outbox.delete(op.seq);
      }
      const wasCreate = ops.some((op) => op.body?.rev === 1);
      // An item that never reached the server needs no delete on the server.
      if (!(neverSent && wasCreate)) outbox.add({ uid, id, op: 'delete', queuedAt: Date.now(), attempts: 0 });
    });
    items.delete(id);
  });
  notify();
  requestBackgroundSync();
}

async function update(op) {
  await transact('outbox', 'readwrite', (store) => store.put(op));
}

async function drop(seq) {
  await transact('outbox', 'readwrite', (store) => store.delete(seq));
}

/** Resolve a conflict: drop the item's conflicted op (the server version stays), or
 *  replace it by `body` (re-sealed by the caller with the right rev). */
export async function resolve(uid, id, body = null, mirrorItem = null) {
  const ops = (await pending(uid)).filter((op) => op.id === id);
  for (const op of ops) await drop(op.seq);
  if (body) await queuePut(uid, id, body, mirrorItem);
  else notify();
}

/**
 * The conflict waiting for the user on item `id`, or null: whether the id was deleted
 * elsewhere (410) or the server holds another revision (409, `rev`), and the newest sealed
 * PUT body queued for it (the latest text written here).
 * @returns {Promise<{id: string, deleted: boolean, rev: number|null, body: any, bodyRev: number}|null>}
 */
export async function conflictOf(uid, id) {
  const ops = (await pending(uid)).filter((op) => op.id === id);
  const conflicted = ops.find((op) => op.conflict);
  if (!conflicted) return null;
  const latest = ops.filter((op) => op.op === 'put' && op.body).at(-1) ?? conflicted;
  return {
    id,
    deleted: Boolean(conflicted.conflict.deleted),
    rev: conflicted.conflict.rev ?? null,
    body: latest.body ?? null,
    bodyRev: latest.rev,
  };
}

/** Ids of items of `kind` whose queued text met a deleted id (410) and waits for the user
 *  to keep it as a new item (their editor page no longer exists on the server). */
export async function deletedConflicts(uid, kind) {
  const ids = new Set();
  for (const op of await pending(uid)) {
    if (op.conflict?.deleted && (!kind || op.body?.kind === kind)) ids.add(op.id);
  }
  return [...ids];
}

/** Send one op. Resolves with the server's answer (null for 204); rejects with ApiError. */
function send(op) {
  return op.op === 'put' ? api('PUT', `/items/${op.id}`, op.body) : api('DELETE', `/items/${op.id}`);
}

/**
 * What an op's refusal means for it (the rules at the top):
 * 'done' (nothing left to send), 'conflict' (409), 'deleted' (a PUT to a deleted id),
 * 'wait' (keep it, stop, try later) or 'failed' (refused; the user may retry).
 * @param {{op: string}} op
 * @param {ApiError} err
 * @returns {'done'|'conflict'|'deleted'|'wait'|'failed'}
 */
export function outcome(op, err) {
  if (op.op === 'delete' && (err.status === 404 || err.deleted)) return 'done';
  if (err.conflict) return 'conflict';
  if (err.deleted) return 'deleted';
  if (err.temporary || err.loginRequired || err.csrf) return 'wait';
  return 'failed';
}

/** @typedef {{sent: number, conflicts: number, failed: number, offline: boolean,
 *   unreachable: boolean, loginRequired: boolean, retryAfter: number|null}} SyncResult
 *  offline: the network or the server is down (try later); unreachable: no answer at all
 *  (the device has no network), so pages come from the service worker's shells now. */

/** @returns {SyncResult} */
const emptyResult = () => ({ sent: 0, conflicts: 0, failed: 0, offline: false, unreachable: false, loginRequired: false, retryAfter: null });

async function drain(uid) {
  const result = emptyResult();
  const blocked = new Set();
  for (const op of await pending(uid)) {
    if (blocked.has(op.id) || op.conflict || op.error) {
      blocked.add(op.id);
      if (op.conflict) result.conflicts += 1;
      if (op.error) result.failed += 1;
      continue;
    }
    op.attempts += 1;
    await update(op);
    let data = null;
    let refusal = null;
    try {
      data = await send(op);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      refusal = err;
    }
    const next = refusal ? outcome(op, refusal) : 'done';
    if (next === 'done') {
      await drop(op.seq);
      if (op.op === 'put' && !refusal) await mirror.confirm(op.id, op.rev, data);
      result.sent += 1;
    } else if (next === 'conflict' || next === 'deleted') {
      op.conflict = next === 'deleted' ? { rev: 0, deleted: true, at: Date.now() } : { rev: refusal.rev, at: Date.now() };
      await update(op);
      blocked.add(op.id);
      result.conflicts += 1;
    } else if (next === 'wait') {
      result.offline = refusal.temporary && refusal.status !== 429;
      result.unreachable = refusal.status === 0;
      result.loginRequired = refusal.loginRequired;
      result.retryAfter = refusal.retryAfter;
      break; // server trouble or signed out: keep the op, try later
    } else {
      op.error = { status: refusal.status, code: refusal.code, message: refusal.body?.error?.message || '' };
      await update(op);
      blocked.add(op.id);
      result.failed += 1;
    }
  }
  return result;
}

/** Send what waits, in order. One sync at a time, across tabs where Web Locks exist. */
export function sync(uid) {
  if (!uid) return Promise.resolve(emptyResult());
  running ??= (async () => {
    try {
      const result = globalThis.navigator?.locks?.request
        ? await navigator.locks.request(LOCK, () => drain(uid))
        : await drain(uid);
      // Still waiting for the network: have the worker send it when it is back.
      if (result.offline) requestBackgroundSync();
      return result;
    } finally {
      running = null;
      notify();
    }
  })();
  return running;
}

/** The service worker's Background Sync: send what waits for whoever is signed in on this
 *  browser, with no page open. Asks the server who that is (the session cookie) and takes a
 *  fresh CSRF token from the same answer. Resolves with the result (null when nobody is
 *  signed in: the changes wait for their author); rejects while the network or the server
 *  is down, so that the browser tries again later. */
export async function sendInBackground() {
  let person;
  try {
    person = await me(); // also keeps the session's CSRF token for the sends
  } catch (err) {
    if (err instanceof ApiError && err.loginRequired) return null;
    throw new Error(`outbox: /me failed (${err?.status ?? err})`);
  }
  if (!person?.uid) return null;
  const result = await sync(person.uid);
  if (result.offline) throw new Error('outbox: the network or the server is down');
  return result;
}

/** Clear a failed op's error so it is tried again. */
export async function retry(uid) {
  for (const op of await pending(uid)) {
    if (op.error) {
      delete op.error;
      await update(op);
    }
  }
  return sync(uid);
}
