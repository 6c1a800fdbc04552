// The sealed mirror (webapp/static/js/mirror.js) against a fake IndexedDB and a scripted
// server: what the server sends never overwrites a newer local version, confirmations,
// pruning to MIRROR_SIZE without dropping anything unsent, and refresh removing what was
// deleted elsewhere.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { error, fakeServer, freshIndexedDb } from './support/fake-server.js';

const mirror = await import('../../webapp/static/js/mirror.js');

const UID = '11111111-1111-4111-8111-111111111111';
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const item = (n, rev = 1, kind = 'entry') => ({
  id: id(n), kind, author: UID, rev, sealed: `s${n}.${rev}`, sig: 'x', envelope: { type: 'ak' },
  created_at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(), // newer with n
});

beforeEach(freshIndexedDb);

test('remember keeps a pending local version that is as new or newer', async () => {
  await mirror.putLocal(UID, item(1, 3));
  await mirror.remember(UID, [item(1, 2), item(2, 1)]);
  assert.equal((await mirror.get(id(1))).sealed, 's1.3');
  assert.equal((await mirror.get(id(1))).pending, true);
  assert.equal((await mirror.get(id(2))).pending, false);
  await mirror.remember(UID, [item(1, 4)]);
  assert.equal((await mirror.get(id(1))).sealed, 's1.4', 'a newer server version wins');
});

test('confirm marks the local version sent, unless a newer one waits', async () => {
  await mirror.putLocal(UID, item(1, 2));
  await mirror.confirm(id(1), 2, { updated_at: 'later' });
  let kept = await mirror.get(id(1));
  assert.deepEqual([kept.pending, kept.serverRev, kept.updated_at], [false, 2, 'later']);
  await mirror.putLocal(UID, item(1, 4));
  await mirror.confirm(id(1), 3, null);
  kept = await mirror.get(id(1));
  assert.deepEqual([kept.pending, kept.serverRev], [true, 3]);
});

test('list is newest first and by kind; forget removes', async () => {
  await mirror.remember(UID, [item(1), item(2), item(3, 1, 'note')]);
  assert.deepEqual((await mirror.list(UID)).map((i) => i.id), [id(2), id(1)]);
  assert.deepEqual((await mirror.list(UID, 'note')).map((i) => i.id), [id(3)]);
  assert.equal((await mirror.list(UID, null)).length, 3);
  assert.deepEqual(await mirror.list('someone-else'), []);
  await mirror.forget(id(2));
  assert.deepEqual((await mirror.list(UID)).map((i) => i.id), [id(1)]);
});

test('prune keeps the newest MIRROR_SIZE synced items and every pending one', async () => {
  const total = mirror.MIRROR_SIZE + 5;
  await mirror.putLocal(UID, item(1)); // the oldest, but not sent yet
  await mirror.remember(UID, Array.from({ length: total - 1 }, (_, i) => item(i + 2)));
  await mirror.prune(UID);
  const left = await mirror.list(UID, null);
  assert.equal(left.length, mirror.MIRROR_SIZE + 1);
  assert.ok(left.some((i) => i.id === id(1)), 'the pending item stays');
  assert.ok(!left.some((i) => i.id === id(2)), 'the oldest synced item goes');
});

test('refresh pages through the server, removes what was deleted elsewhere, keeps what waits', async () => {
  await mirror.remember(UID, [item(1), item(2), item(3)]);
  await mirror.putLocal(UID, item(4)); // written here, not sent yet
  const seen = fakeServer((req) => {
    if (!req.path.startsWith('/items?')) return { status: 404, body: error('not_found') };
    const before = new URLSearchParams(req.path.split('?')[1]).get('before');
    return before ? { status: 200, body: { items: [item(1)], next: null } } : { status: 200, body: { items: [item(5), item(3)], next: 'c1' } };
  });
  assert.equal(await mirror.refresh(UID, { force: true }), true);
  assert.deepEqual(seen.map((r) => r.path), ['/items?limit=100', '/items?limit=100&before=c1']);
  const ids = (await mirror.list(UID, null)).map((i) => i.id).sort();
  assert.deepEqual(ids, [id(1), id(3), id(4), id(5)], 'item 2 was deleted elsewhere; 4 waits');
  assert.ok((await mirror.lastSynced(UID)) > 0);
  assert.equal(await mirror.refresh(UID), false, 'not again within REFRESH_AFTER');
});

test('refresh offline or signed out keeps the mirror as it is', async () => {
  await mirror.remember(UID, [item(1)]);
  for (const answer of ['network', { status: 401, body: error('unauthorized') }, { status: 503, body: error('unavailable') }]) {
    fakeServer(() => answer);
    assert.equal(await mirror.refresh(UID, { force: true }), false);
    assert.equal((await mirror.list(UID)).length, 1);
  }
  assert.equal(await mirror.lastSynced(UID), 0);
});

test("the offline journal is the user's own entries: others' shared ones stay out", async () => {
  const { ownItems } = await import('../../webapp/static/js/local-entries.js');
  const OTHER = '22222222-2222-4222-8222-222222222222';
  const shared = { ...item(2), author: OTHER, envelope: { type: 'x25519' } };
  await mirror.remember(UID, [item(1), shared, item(3)]);
  const all = await mirror.list(UID, 'entry');
  assert.equal(all.length, 3, 'the mirror keeps what was shared with the user');
  assert.deepEqual(ownItems(all, UID).map((i) => i.id), [id(3), id(1)]);
});
