// A scripted stand-in for the server's /api/v1, installed as globalThis.fetch, and a fresh
// fake IndexedDB (fake-indexeddb) per test. Not a test file itself (no .test.js).
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';

/**
 * @typedef {{method: string, path: string, headers: Record<string, string>, body: any}} Seen
 * @typedef {(req: Seen) => {status: number, body?: any, headers?: Record<string, string>} | 'network'} Handler
 */

/** A fresh, empty IndexedDB for the modules under test (they open it lazily). */
export async function freshIndexedDb() {
  const { closeDb } = await import('../../../webapp/static/js/idb.js');
  await closeDb();
  globalThis.indexedDB = new IDBFactory();
}

/**
 * Install a fake fetch answering /api/v1 calls with `handler`. Returns the list of requests
 * seen (method, path under /api/v1, headers, parsed JSON body).
 * @param {Handler} handler
 */
export function fakeServer(handler) {
  /** @type {Seen[]} */
  const seen = [];
  globalThis.fetch = async (url, init = {}) => {
    const path = String(url).replace(/^\/api\/v1/, '');
    const headers = /** @type {Record<string, string>} */ ({ ...(init.headers || {}) });
    const req = { method: init.method || 'GET', path, headers, body: init.body ? JSON.parse(String(init.body)) : undefined };
    seen.push(req);
    const answer = handler(req);
    if (answer === 'network') throw new TypeError('Failed to fetch');
    const status = answer.status;
    const body = status === 204 ? null : JSON.stringify(answer.body ?? {});
    return new Response(body, { status, headers: { 'Content-Type': 'application/json', ...(answer.headers || {}) } });
  };
  return seen;
}

/** An error body as the server sends it. */
export const error = (code, message = code, extra = {}) => ({ error: { code, message, ...extra } });
