// The supervisor's client sharing a process's items with new members (process-shares.js):
// with real keys, every due item's key is wrapped for each member's key as the pin store
// gives it, and that member's private key opens it; a member whose key changed (PinError)
// gets nothing; an item the server will not give back, or a refused PUT, is counted as
// failed and the member is not reported as shared.
import assert from 'node:assert/strict';
import { test } from 'node:test';

const { importAesKey } = await import('../../webapp/static/js/crypto/aead.js');
const { b64uEncode } = await import('../../webapp/static/js/crypto/encoding.js');
const { newDek, openShareEnvelope, ownerEnvelope } = await import('../../webapp/static/js/crypto/envelope.js');
const { shareDue } = await import('../../webapp/static/js/process-shares.js');

const SUPERVISOR = '11111111-1111-4111-8111-111111111111';
const ANNA = '22222222-2222-4222-8222-222222222222';
const BERTTA = '33333333-3333-4333-8333-333333333333';
const PID = '44444444-4444-4444-8444-444444444444';
const NAME = '55555555-5555-4555-8555-555555555555';
const GOAL = '66666666-6666-4666-8666-666666666666';

class PinError extends Error {
  constructor(code) {
    super(code);
    this.name = 'PinError';
    this.code = code;
  }
}

async function member() {
  const pair = /** @type {CryptoKeyPair} */ (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits']));
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, bundle: { x25519: b64uEncode(raw) } };
}

async function world() {
  const ak = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
  const keys = { ak, x25519: null };
  const deks = { [NAME]: newDek(), [GOAL]: newDek() };
  const items = {};
  for (const [id, dek] of Object.entries(deks)) {
    items[id] = { id, author: SUPERVISOR, envelope: await ownerEnvelope(ak, dek, id, SUPERVISOR) };
  }
  const people = { [ANNA]: await member(), [BERTTA]: await member() };
  const puts = [];
  const calls = [];
  const server = {
    refusePut: new Set(),
    async api(method, path, body) {
      calls.push(`${method} ${path}`);
      if (method === 'GET') {
        const item = items[path.split('/')[2]];
        if (!item) throw Object.assign(new Error('404'), { status: 404 });
        return item;
      }
      if (method === 'PUT') {
        const [, , itemId, , uid] = path.split('/');
        if (server.refusePut.has(uid)) throw Object.assign(new Error('403'), { status: 403 });
        puts.push({ itemId, uid, body });
        return null;
      }
      throw new Error(`unexpected ${method} ${path}`);
    },
  };
  return { keys, deks, people, puts, calls, server };
}

test('each due item is shared with each member, and their own key opens it', async () => {
  const w = await world();
  const lookups = [];
  const bundleFor = async (uid) => {
    lookups.push(uid);
    return w.people[uid].bundle;
  };
  const due = [
    { item: NAME, process: PID, uid: ANNA },
    { item: GOAL, process: PID, uid: ANNA },
    { item: NAME, process: PID, uid: BERTTA },
  ];
  const result = await shareDue(due, { api: w.server.api, bundleFor, keys: w.keys, uid: SUPERVISOR });
  assert.deepEqual([...result.shared].sort(), [ANNA, BERTTA].sort());
  assert.equal(result.refused.size, 0);
  assert.equal(result.failed, 0);
  assert.equal(w.puts.length, 3);
  assert.deepEqual(lookups.sort(), [ANNA, BERTTA].sort(), 'each member\'s key is looked up once');
  assert.equal(w.calls.filter((c) => c.startsWith('GET')).length, 2, 'each item is read once');
  for (const { itemId, uid, body } of w.puts) {
    assert.equal(body.process, PID);
    assert.equal(body.envelope.recipient, uid);
    assert.equal(body.envelope.type, 'x25519');
    const dek = await openShareEnvelope(w.people[uid].privateKey, body.envelope, itemId, uid);
    assert.deepEqual(dek, w.deks[itemId]);
  }
});

test('a member whose key changed gets nothing; the others still do', async () => {
  const w = await world();
  const bundleFor = async (uid) => {
    if (uid === BERTTA) throw new PinError('changed');
    return w.people[uid].bundle;
  };
  const due = [
    { item: NAME, process: PID, uid: BERTTA },
    { item: NAME, process: PID, uid: ANNA },
  ];
  const result = await shareDue(due, { api: w.server.api, bundleFor, keys: w.keys, uid: SUPERVISOR });
  assert.deepEqual([...result.shared], [ANNA]);
  assert.deepEqual([...result.refused], [[BERTTA, 'changed']]);
  assert.deepEqual(w.puts.map((p) => p.uid), [ANNA]);
});

test('failures are counted and the member is not reported as shared', async () => {
  const w = await world();
  const bundleFor = async (uid) => w.people[uid].bundle;
  w.server.refusePut.add(ANNA);
  const missing = '77777777-7777-4777-8777-777777777777';
  const due = [
    { item: NAME, process: PID, uid: ANNA },
    { item: missing, process: PID, uid: BERTTA },
    { item: NAME, process: PID, uid: BERTTA },
  ];
  const result = await shareDue(due, { api: w.server.api, bundleFor, keys: w.keys, uid: SUPERVISOR });
  assert.equal(result.failed, 2);
  assert.deepEqual([...result.shared], [], 'Bertta still lacks one item, Anna was refused');
  assert.deepEqual(w.puts.map((p) => p.uid), [BERTTA]);
});

test('an item someone else wrote is never re-shared', async () => {
  const w = await world();
  const bundleFor = async (uid) => w.people[uid].bundle;
  const result = await shareDue([{ item: NAME, process: PID, uid: ANNA }], {
    api: w.server.api, bundleFor, keys: w.keys, uid: BERTTA,
  });
  assert.equal(result.failed, 1);
  assert.equal(w.puts.length, 0);
});
