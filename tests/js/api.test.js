// The one HTTP module (webapp/static/js/api.js): JSON in and out, errors parsed into
// ApiError (status, the server's code and message, stored rev, Retry-After), and the CSRF
// token refreshed once from /me.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { error, fakeServer } from './support/fake-server.js';

const { ApiError, api, me, parseRetryAfter, setCsrfToken } = await import('../../webapp/static/js/api.js');

beforeEach(() => setCsrfToken('t1'));

test('JSON in and out; 204 is null; the CSRF header only on unsafe methods', async () => {
  const seen = fakeServer((req) => (req.method === 'DELETE' ? { status: 204 } : { status: 200, body: { echo: req.body ?? null } }));
  assert.deepEqual(await api('POST', '/x', { a: 1 }), { echo: { a: 1 } });
  assert.equal(await api('DELETE', '/x'), null);
  assert.deepEqual(await api('GET', '/x'), { echo: null });
  assert.equal(seen[0].headers['Content-Type'], 'application/json');
  assert.equal(seen[0].headers['X-CSRF-Token'], 't1');
  assert.equal(seen[2].headers['X-CSRF-Token'], undefined);
});

test('errors carry the status, the server’s code and message, and the stored rev', async () => {
  fakeServer(() => ({ status: 409, body: error('conflict', 'stale rev', { rev: 7 }) }));
  const err = await api('PUT', '/items/1', {}).catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.deepEqual([err.status, err.code, err.message, err.rev, err.conflict], [409, 'conflict', 'stale rev', 7, true]);
});

test('410 deleted, 401, 503 with Retry-After and no network are told apart', async () => {
  const answers = {
    '/gone': { status: 410, body: error('deleted') },
    '/login': { status: 401, body: error('unauthorized') },
    '/busy': { status: 503, body: error('unavailable'), headers: { 'Retry-After': '12' } },
  };
  fakeServer((req) => answers[req.path] ?? 'network');
  const gone = await api('PUT', '/gone', {}).catch((e) => e);
  assert.deepEqual([gone.deleted, gone.temporary], [true, false]);
  const login = await api('GET', '/login').catch((e) => e);
  assert.deepEqual([login.loginRequired, login.temporary], [true, false]);
  const busy = await api('GET', '/busy').catch((e) => e);
  assert.deepEqual([busy.temporary, busy.retryAfter], [true, 12]);
  const offline = await api('GET', '/elsewhere').catch((e) => e);
  assert.deepEqual([offline.status, offline.code, offline.temporary], [0, 'network', true]);
});

test('a body that is not JSON still gives an ApiError', async () => {
  globalThis.fetch = async () => new Response('<html>oops</html>', { status: 502 });
  const err = await api('GET', '/x').catch((e) => e);
  assert.deepEqual([err.status, err.code, err.temporary], [502, 'http', true]);
});

test('CSRF refusal: one refresh from /me, one retry with the new token', async () => {
  const seen = fakeServer((req) => {
    if (req.path === '/me') return { status: 200, body: { uid: 'u', csrf_token: 't2' } };
    return req.headers['X-CSRF-Token'] === 't2' ? { status: 200, body: { ok: true } } : { status: 403, body: error('csrf') };
  });
  assert.deepEqual(await api('POST', '/x', {}), { ok: true });
  assert.deepEqual(seen.map((r) => r.path), ['/x', '/me', '/x']);
  // The refreshed token is the one cache: later calls use it at once.
  await api('POST', '/x', {});
  assert.equal(seen.at(-1).headers['X-CSRF-Token'], 't2');
});

test('a CSRF refusal on GET or one that persists is not retried again', async () => {
  const seen = fakeServer((req) => (req.path === '/me' ? { status: 200, body: { csrf_token: 'nope' } } : { status: 403, body: error('csrf') }));
  const err = await api('POST', '/x', {}).catch((e) => e);
  assert.equal(err.csrf, true);
  assert.deepEqual(seen.map((r) => r.path), ['/x', '/me', '/x']);
  seen.length = 0;
  await api('GET', '/x').catch(() => {});
  assert.deepEqual(seen.map((r) => r.path), ['/x']);
});

test('me() keeps the session’s token for the calls that follow', async () => {
  setCsrfToken(null);
  const seen = fakeServer((req) => (req.path === '/me' ? { status: 200, body: { uid: 'u', csrf_token: 'fresh' } } : { status: 200, body: {} }));
  assert.equal((await me()).uid, 'u');
  await api('PUT', '/y', {});
  assert.equal(seen[1].headers['X-CSRF-Token'], 'fresh');
});

test('Retry-After: seconds or an HTTP date', () => {
  assert.equal(parseRetryAfter('120'), 120);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter('soon'), null);
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), 60);
});
