// The outbox's stated rules (webapp/static/js/outbox.js), against a fake IndexedDB and a
// scripted server: order, no loss, no duplicate, conflicts (409), deleted ids (410), and the
// statuses that only mean "later" (offline, 401, 429, 503 with Retry-After, CSRF refresh).
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { error, fakeServer, freshIndexedDb } from './support/fake-server.js';

const api = await import('../../webapp/static/js/api.js');
const outbox = await import('../../webapp/static/js/outbox.js');
const mirror = await import('../../webapp/static/js/mirror.js');

const UID = '11111111-1111-4111-8111-111111111111';
const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

/** A sealed PUT body as the editor queues it (the content is opaque to the outbox). */
const body = (rev, text, kind = 'entry') => ({
  kind, rev, sealed: `sealed:${text}`, sig: `sig:${text}`, ...(rev === 1 ? { envelopes: [{ type: 'ak', recipient: UID }] } : {}),
});
const mirrorItem = (id, rev, text, kind = 'entry') => ({
  id, kind, author: UID, rev, sealed: `sealed:${text}`, sig: `sig:${text}`, envelope: { type: 'ak' },
  created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
});
const queue = (id, rev, text, kind) => outbox.queuePut(UID, id, body(rev, text, kind), mirrorItem(id, rev, text, kind));
const ok = (req) => ({ status: req.body?.rev === 1 ? 201 : 200, body: { id: req.path.split('/').pop(), rev: req.body?.rev } });

beforeEach(async () => {
  await freshIndexedDb();
  api.setCsrfToken('token-1');
});

describe('queueing', () => {
  test('a never-sent version is replaced in place and a create keeps its envelopes', async () => {
    await queue(A, 1, 'first');
    const second = body(1, 'second');
    delete second.envelopes;
    await outbox.queuePut(UID, A, second, mirrorItem(A, 1, 'second'));
    const ops = await outbox.pending(UID);
    assert.equal(ops.length, 1);
    assert.equal(ops[0].body.sealed, 'sealed:second');
    assert.deepEqual(ops[0].body.envelopes, [{ type: 'ak', recipient: UID }]);
    assert.equal(await outbox.nextRev(UID, A, 0), 1, 'the next version replaces it again');
  });

  test('once attempted, a newer version is queued after it with the next rev', async () => {
    await queue(A, 1, 'first');
    fakeServer(() => 'network');
    const result = await outbox.sync(UID);
    assert.equal(result.offline, true);
    assert.equal(await outbox.nextRev(UID, A, 0), 2);
    await queue(A, 2, 'second');
    const ops = await outbox.pending(UID);
    assert.deepEqual(ops.map((op) => [op.rev, op.attempts]), [[1, 1], [2, 0]]);
  });

  test('deleting an item that never reached the server sends nothing', async () => {
    await queue(A, 1, 'first');
    await outbox.queueDelete(UID, A);
    assert.deepEqual(await outbox.pending(UID), []);
    assert.equal(await mirror.get(A), null);
  });

  test('deleting an item that may have reached the server queues a DELETE', async () => {
    await queue(A, 1, 'first');
    fakeServer(() => 'network');
    await outbox.sync(UID);
    await outbox.queueDelete(UID, A);
    assert.deepEqual((await outbox.pending(UID)).map((op) => op.op), ['put', 'delete']);
  });
});

describe('sending', () => {
  test('sends in order, drops what was accepted and confirms the mirror', async () => {
    await queue(A, 1, 'a');
    await queue(B, 3, 'b');
    const seen = fakeServer(ok);
    const result = await outbox.sync(UID);
    assert.deepEqual(seen.map((r) => [r.method, r.path, r.body.rev]), [['PUT', `/items/${A}`, 1], ['PUT', `/items/${B}`, 3]]);
    assert.equal(seen[0].headers['X-CSRF-Token'], 'token-1');
    assert.equal(result.sent, 2);
    assert.deepEqual(await outbox.pending(UID), []);
    const kept = await mirror.get(B);
    assert.equal(kept.pending, false);
    assert.equal(kept.serverRev, 3);
  });

  test('no network: everything stays, nothing is marked failed', async () => {
    await queue(A, 1, 'a');
    fakeServer(() => 'network');
    const result = await outbox.sync(UID);
    assert.equal(result.offline, true);
    assert.equal(result.unreachable, true, 'no answer at all: pages come from the worker now');
    const [op] = await outbox.pending(UID);
    assert.equal(op.attempts, 1);
    assert.equal(op.error, undefined);
    assert.equal(op.conflict, undefined);
  });

  test('503 with Retry-After is temporary: the change stays queued, the wait is reported', async () => {
    await queue(A, 1, 'a');
    await queue(B, 1, 'b');
    const seen = fakeServer(() => ({ status: 503, body: error('unavailable'), headers: { 'Retry-After': '30' } }));
    const result = await outbox.sync(UID);
    assert.equal(result.offline, true);
    assert.equal(result.unreachable, false, 'the server answered: it is only down');
    assert.equal(result.retryAfter, 30);
    assert.equal(seen.length, 1, 'stops at the first temporary refusal');
    const ops = await outbox.pending(UID);
    assert.equal(ops.length, 2);
    assert.ok(ops.every((op) => !op.error && !op.conflict));
  });

  test('401 keeps the change for when the person signs in again', async () => {
    await queue(A, 1, 'a');
    fakeServer(() => ({ status: 401, body: error('unauthorized') }));
    const result = await outbox.sync(UID);
    assert.equal(result.loginRequired, true);
    assert.equal(result.offline, false);
    const [op] = await outbox.pending(UID);
    assert.ok(!op.error && !op.conflict);
  });

  test('403 csrf: the token is fetched again from /me once and the send retried once', async () => {
    await queue(A, 1, 'a');
    const seen = fakeServer((req) => {
      if (req.path === '/me') return { status: 200, body: { uid: UID, csrf_token: 'token-2' } };
      if (req.headers['X-CSRF-Token'] !== 'token-2') return { status: 403, body: error('csrf') };
      return ok(req);
    });
    const result = await outbox.sync(UID);
    assert.equal(result.sent, 1);
    assert.deepEqual(seen.map((r) => `${r.method} ${r.path} ${r.headers['X-CSRF-Token'] ?? ''}`.trim()), [
      `PUT /items/${A} token-1`,
      'GET /me',
      `PUT /items/${A} token-2`,
    ]);
  });

  test('a CSRF refusal that persists is not retried in a loop, and the change stays', async () => {
    await queue(A, 1, 'a');
    const seen = fakeServer((req) =>
      req.path === '/me' ? { status: 200, body: { uid: UID, csrf_token: 'still-wrong' } } : { status: 403, body: error('csrf') },
    );
    await outbox.sync(UID);
    assert.equal(seen.filter((r) => r.method === 'PUT').length, 2);
    const [op] = await outbox.pending(UID);
    assert.ok(!op.error && !op.conflict);
  });

  test('409 marks a conflict with the stored rev and holds the item’s later changes only', async () => {
    await queue(A, 2, 'a2');
    fakeServer(() => 'network');
    await outbox.sync(UID);
    await queue(A, 3, 'a3');
    await queue(B, 1, 'b');
    const seen = fakeServer((req) => (req.path === `/items/${A}` ? { status: 409, body: error('conflict', 'stale', { rev: 5 }) } : ok(req)));
    const result = await outbox.sync(UID);
    assert.deepEqual(seen.map((r) => r.path), [`/items/${A}`, `/items/${B}`]);
    assert.equal(result.conflicts, 1);
    assert.equal(result.sent, 1, 'B is sent; A\'s later version waits behind the conflict');
    const ops = await outbox.pending(UID);
    assert.deepEqual(ops.map((op) => [op.rev, op.conflict?.rev ?? null]), [[2, 5], [3, null]]);
    const conflict = await outbox.conflictOf(UID, A);
    assert.equal(conflict.deleted, false);
    assert.equal(conflict.rev, 5);
    assert.equal(conflict.body.sealed, 'sealed:a3', 'the newest text written here');
  });

  test('410 deleted: the text is kept as a deleted conflict, never dropped', async () => {
    await queue(A, 4, 'my words', 'entry');
    fakeServer(() => ({ status: 410, body: error('deleted', 'This item was deleted.') }));
    const result = await outbox.sync(UID);
    assert.equal(result.conflicts, 1);
    const [op] = await outbox.pending(UID);
    assert.equal(op.conflict.deleted, true);
    assert.equal(op.conflict.rev, 0);
    assert.equal(op.body.sealed, 'sealed:my words');
    const conflict = await outbox.conflictOf(UID, A);
    assert.equal(conflict.deleted, true);
    assert.equal(conflict.body.sealed, 'sealed:my words');
    assert.deepEqual(await outbox.deletedConflicts(UID, 'entry'), [A]);
    assert.deepEqual(await outbox.deletedConflicts(UID, 'note'), []);
    assert.equal((await mirror.get(A)).pending, true, 'the sealed copy stays on the device');
    // Sending again does not drop it either.
    await outbox.sync(UID);
    assert.equal((await outbox.pending(UID)).length, 1);
  });

  test('keeping the text as a new item: the deleted id is dropped, the new one sent as rev 1', async () => {
    await queue(A, 4, 'my words');
    fakeServer(() => ({ status: 410, body: error('deleted') }));
    await outbox.sync(UID);
    await outbox.resolve(UID, A, body(1, 'my words'), mirrorItem(B, 1, 'my words'));
    // resolve queues the replacement under the same id; the editor queues a fresh id instead:
    await outbox.resolve(UID, A);
    await queue(B, 1, 'my words');
    const seen = fakeServer(ok);
    await outbox.sync(UID);
    assert.deepEqual(seen.map((r) => [r.path, r.body.rev]), [[`/items/${B}`, 1]]);
    assert.deepEqual(await outbox.pending(UID), []);
  });

  test('a DELETE answered 404 or 410 is done', async () => {
    for (const status of [404, 410]) {
      await freshIndexedDb();
      await queue(A, 1, 'a');
      fakeServer(() => 'network');
      await outbox.sync(UID);
      await outbox.queueDelete(UID, A);
      fakeServer((req) => (req.method === 'DELETE' ? { status, body: error(status === 410 ? 'deleted' : 'not_found') } : ok(req)));
      const result = await outbox.sync(UID);
      assert.equal(result.sent, 2, `status ${status}`);
      assert.deepEqual(await outbox.pending(UID), []);
    }
  });

  test('any other refusal marks the op failed; retry clears it and sends again', async () => {
    await queue(A, 1, 'a');
    fakeServer(() => ({ status: 400, body: error('bad_request', 'no') }));
    const result = await outbox.sync(UID);
    assert.equal(result.failed, 1);
    const [op] = await outbox.pending(UID);
    assert.deepEqual(op.error, { status: 400, code: 'bad_request', message: 'no' });
    fakeServer(ok);
    const again = await outbox.retry(UID);
    assert.equal(again.sent, 1);
    assert.deepEqual(await outbox.pending(UID), []);
  });
});

describe('the service worker’s background send', () => {
  test('nobody signed in: the changes wait for their author', async () => {
    await queue(A, 1, 'a');
    fakeServer(() => ({ status: 401, body: error('unauthorized') }));
    assert.equal(await outbox.sendInBackground(), null);
    assert.equal((await outbox.pending(UID)).length, 1);
  });

  test('signed in: takes the CSRF token from /me and sends', async () => {
    api.setCsrfToken(null);
    await queue(A, 1, 'a');
    const seen = fakeServer((req) => (req.path === '/me' ? { status: 200, body: { uid: UID, csrf_token: 'from-me' } } : ok(req)));
    const result = await outbox.sendInBackground();
    assert.equal(result.sent, 1);
    assert.equal(seen[1].headers['X-CSRF-Token'], 'from-me');
  });

  test('still offline: rejects so that the browser tries again later', async () => {
    await queue(A, 1, 'a');
    fakeServer((req) => (req.path === '/me' ? { status: 200, body: { uid: UID, csrf_token: 't' } } : 'network'));
    await assert.rejects(outbox.sendInBackground());
    assert.equal((await outbox.pending(UID)).length, 1);
  });
});

describe('outcome (what a refusal means for an op)', () => {
  const put = { op: 'put' };
  const del = { op: 'delete' };
  const err = (status, code = 'x', headers = {}) => new api.ApiError(status, error(code), { retryAfter: headers.retryAfter ?? null });
  const cases = [
    [put, err(0, 'network'), 'wait'],
    [put, err(401), 'wait'],
    [put, err(403, 'csrf'), 'wait'],
    [put, err(403, 'forbidden'), 'failed'],
    [put, err(409, 'conflict'), 'conflict'],
    [put, err(409, 'evaluation_accepted'), 'failed'], // a refusal that stands, not a stale rev
    [put, err(409, 'process_ended'), 'failed'],
    [put, err(410, 'deleted'), 'deleted'],
    [put, err(429), 'wait'],
    [put, err(500), 'wait'],
    [put, err(503), 'wait'],
    [put, err(400), 'failed'],
    [put, err(404), 'failed'],
    [del, err(404), 'done'],
    [del, err(410, 'deleted'), 'done'],
    [del, err(503), 'wait'],
  ];
  for (const [op, refusal, expected] of cases) {
    test(`${op.op} ${refusal.status} ${refusal.code} → ${expected}`, () => {
      assert.equal(outbox.outcome(op, refusal), expected);
    });
  }
});
