// Opening a journal page in one pass (webapp/static/js/sealed-items.js openAll/openBatch)
// against a fake IndexedDB whose transactions are counted: N real sealed items are opened
// with the keys read ONCE, the author's signing key read once, and the verified items go
// into the sealed mirror in ONE readwrite transaction, whatever N is. An item that does not
// verify is reported and not mirrored.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { freshIndexedDb } from './support/fake-server.js';

const { importAesKey } = await import('../../webapp/static/js/crypto/aead.js');
const { b64uEncode } = await import('../../webapp/static/js/crypto/encoding.js');
const { newDek, ownerEnvelope, sealItem } = await import('../../webapp/static/js/crypto/envelope.js');
const { generatePkcs8, importPrivateKey, publicRawFromPkcs8 } = await import('../../webapp/static/js/crypto/identity.js');
const keystore = await import('../../webapp/static/js/keystore.js');
const mirror = await import('../../webapp/static/js/mirror.js');
const { openAll, openBatch } = await import('../../webapp/static/js/sealed-items.js');

const UID = '11111111-1111-4111-8111-111111111111';
const id = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

// This page's user, as session.currentUid() reads it.
globalThis.document = /** @type {any} */ ({
  querySelector: (selector) => (selector === 'meta[name="valitila-user"]' ? { content: UID } : null),
});

/** Every transaction opened on the fake IndexedDB: [stores, mode]. */
let transactions = [];
const original = globalThis.IDBDatabase.prototype.transaction;
globalThis.IDBDatabase.prototype.transaction = function counted(names, mode = 'readonly', ...rest) {
  transactions.push([[].concat(names).join(','), mode]);
  return original.call(this, names, mode, ...rest);
};
const count = (stores, mode) => transactions.filter(([s, m]) => s === stores && m === mode).length;

let account;

async function makeAccount() {
  const pkcs8 = await generatePkcs8('Ed25519');
  const ed25519 = await importPrivateKey('Ed25519', pkcs8);
  const ak = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
  const bundle = { ed25519: b64uEncode(await publicRawFromPkcs8('Ed25519', pkcs8)) };
  return { ak, ed25519, bundle };
}

async function sealedEntry(n, text = `teksti ${n}`) {
  const dek = newDek();
  const itemId = id(n);
  const envelope = await ownerEnvelope(account.ak, dek, itemId, UID);
  const { sealed, sig } = await sealItem({
    id: itemId, kind: 'entry', rev: 1, by: UID, payload: { title: `otsikko ${n}`, body: text }, dek, signingKey: account.ed25519,
  });
  const at = new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
  return { id: itemId, kind: 'entry', author: UID, rev: 1, sealed, sig, envelope, process: null, links: null, created_at: at, updated_at: at };
}

beforeEach(async () => {
  await freshIndexedDb();
  account ??= await makeAccount();
  await keystore.saveSession({
    uid: UID, email: 'anna@example.fi', keys: { bundle: account.bundle },
    unlocked: { uid: UID, ak: account.ak, x25519: null, ed25519: account.ed25519, x25519Public: null },
  });
  transactions = [];
});

test('a page of 30 opens with the keys read once and one mirror transaction', async () => {
  const items = await Promise.all(Array.from({ length: 30 }, (_, n) => sealedEntry(n + 1)));
  const result = await openBatch(items);
  assert.ok(result);
  const { opened, mirrored } = result;
  await mirrored;
  assert.equal(opened.length, 30);
  assert.deepEqual(opened.map((entry) => entry.payload?.title), items.map((_, n) => `otsikko ${n + 1}`));
  assert.equal(count('items', 'readwrite'), 1, 'one mirror write for the whole page');
  // The unlocked keys once, the account (the author's signing key) once: not once per item.
  assert.equal(count('device', 'readonly'), 2, JSON.stringify(transactions));
  assert.equal(transactions.length, 3, JSON.stringify(transactions));
  const kept = await mirror.list(UID);
  assert.equal(kept.length, 30);
  assert.deepEqual(kept.find((item) => item.id === id(7)).sealed, items[6].sealed, 'kept as sealed, in the API form');
});

test('the transaction count does not grow with the page', async () => {
  const keys = await keystore.unlockedKeys(UID);
  for (const size of [1, 5, 50]) {
    const items = await Promise.all(Array.from({ length: size }, (_, n) => sealedEntry(1000 * size + n)));
    transactions = [];
    const { opened, mirrored } = await openAll(items, keys, UID);
    await mirrored;
    assert.equal(opened.filter((entry) => entry.payload).length, size);
    assert.equal(count('items', 'readwrite'), 1, `size ${size}`);
    assert.equal(transactions.length, 1, `size ${size}: ${JSON.stringify(transactions)}`); // the author's key is cached
  }
});

test('an item that does not verify is reported and not mirrored; the others open', async () => {
  const items = await Promise.all([1, 2, 3].map((n) => sealedEntry(n)));
  const forged = { ...items[1], sig: items[0].sig };
  const { opened, mirrored } = await openAll([items[0], forged, items[2]], await keystore.unlockedKeys(UID), UID);
  await mirrored;
  assert.equal(opened[0].payload.body, 'teksti 1');
  assert.ok(opened[1].error, 'the forged item fails');
  assert.equal(opened[1].payload, undefined);
  assert.equal(opened[2].payload.body, 'teksti 3');
  assert.deepEqual((await mirror.list(UID)).map((item) => item.id).sort(), [id(1), id(3)]);
});

test('locked: no keys, nothing opened, nothing mirrored', async () => {
  await keystore.lock();
  const assigned = [];
  globalThis.window = /** @type {any} */ ({ location: { pathname: '/journal/', search: '', assign: (url) => assigned.push(url) } });
  try {
    assert.equal(await openBatch([await sealedEntry(1)]), null);
    assert.deepEqual(assigned, ['/unlock?next=%2Fjournal%2F']);
    assert.deepEqual(await mirror.list(UID), []);
  } finally {
    delete globalThis.window;
  }
});

test('the mirror is written after the frame that shows the page, not before it', async () => {
  const items = await Promise.all([1, 2, 3].map((n) => sealedEntry(n)));
  /** @type {FrameRequestCallback[]} */
  const frames = [];
  globalThis.requestAnimationFrame = (callback) => frames.push(callback);
  try {
    const { opened, mirrored } = await openAll(items, await keystore.unlockedKeys(UID), UID);
    assert.equal(opened.length, 3);
    await new Promise((resolve) => setTimeout(resolve, 20)); // tasks run, no frame yet
    assert.equal(count('items', 'readwrite'), 0, 'nothing written before the frame');
    assert.equal(frames.length, 1);
    frames[0](0); // the frame: the write follows in a task after it
    await mirrored;
    assert.equal(count('items', 'readwrite'), 1);
    assert.equal((await mirror.list(UID)).length, 3);
  } finally {
    delete globalThis.requestAnimationFrame;
  }
});
