// keystore.prefetch (webapp/static/js/keystore.js), which app.js calls at the start of a
// signed-in page: the keys are read in ONE transaction while the behaviours load, the first
// read of each key takes the early value, and nothing stale comes out of it: a put or a lock
// in this page drops the early value, a second read goes to IndexedDB again, and a value read
// too long ago is not used.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';

import { freshIndexedDb } from './support/fake-server.js';

const { transact } = await import('../../webapp/static/js/idb.js');
const keystore = await import('../../webapp/static/js/keystore.js');

const UID = '11111111-1111-4111-8111-111111111111';

/** Every transaction opened on the fake IndexedDB: [stores, mode]. */
let transactions = [];
const original = globalThis.IDBDatabase.prototype.transaction;
globalThis.IDBDatabase.prototype.transaction = function counted(names, mode = 'readonly', ...rest) {
  transactions.push([[].concat(names).join(','), mode]);
  return original.call(this, names, mode, ...rest);
};
const realNow = performance.now.bind(performance);

beforeEach(async () => {
  await freshIndexedDb();
  await keystore.saveSession({
    uid: UID, email: 'anna@example.fi', keys: { bundle: { ed25519: 'x' } },
    unlocked: { uid: UID, ak: 'ak', x25519: null, ed25519: 'ed', x25519Public: null },
  });
  transactions = [];
});

afterEach(() => {
  performance.now = realNow;
});

test('the keys and the account come from one early transaction', async () => {
  keystore.prefetch(['unlocked', 'account', 'activity']);
  const [keys, account, activity] = await Promise.all([keystore.unlockedKeys(UID), keystore.account(), keystore.lastActivity()]);
  assert.equal(keys?.ak, 'ak');
  assert.equal(account?.email, 'anna@example.fi');
  assert.ok(activity > 0);
  assert.deepEqual(transactions, [['device', 'readonly']]);
});

test('each early value is taken once: the next read goes to IndexedDB', async () => {
  keystore.prefetch(['unlocked']);
  assert.equal((await keystore.unlockedKeys(UID))?.ak, 'ak');
  // Another tab locks (straight into IndexedDB, not through this page's keystore).
  await transact('device', 'readwrite', (store) => store.delete('unlocked'));
  assert.equal(await keystore.unlockedKeys(UID), null);
});

test('a lock in this page is never hidden by an early read', async () => {
  keystore.prefetch(['unlocked']);
  await keystore.lock();
  assert.equal(await keystore.unlockedKeys(UID), null);
});

test('an early read that is too old is not used', async () => {
  keystore.prefetch(['unlocked']);
  await transact('device', 'readwrite', (store) => store.delete('unlocked'));
  const later = realNow() + 60_000;
  performance.now = () => later;
  assert.equal(await keystore.unlockedKeys(UID), null);
});

test('prefetching what is already on its way reads nothing more', async () => {
  keystore.prefetch(['unlocked', 'account']);
  keystore.prefetch(['unlocked', 'account']);
  await keystore.unlockedKeys(UID);
  await keystore.account();
  assert.deepEqual(transactions, [['device', 'readonly']]);
});
