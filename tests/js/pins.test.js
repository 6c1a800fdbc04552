// The pin store (webapp/static/js/pins.js) against a fake IndexedDB and a scripted server that
// keeps pin records and bundles like the real one: first sight pins, a changed key is refused,
// an invite's fp must match, records are signed by the owner and a new device takes only the
// records whose signature verifies with the account's own key.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { error, fakeServer, freshIndexedDb } from './support/fake-server.js';

const api = await import('../../webapp/static/js/api.js');
const keystore = await import('../../webapp/static/js/keystore.js');
const pins = await import('../../webapp/static/js/pins.js');
const { makeBundle, ed25519Verify } = await import('../../webapp/static/js/crypto/identity.js');
const { fp16 } = await import('../../webapp/static/js/crypto/safety.js');
const { b64uEncode, utf8Encode } = await import('../../webapp/static/js/crypto/encoding.js');

const ME = '11111111-1111-4111-8111-111111111111';
const SUP = '22222222-2222-4222-8222-222222222222';
const OTHER = '33333333-3333-4333-8333-333333333333';

async function identity(uid) {
  const x = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const xPub = new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey));
  const edPub = new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey));
  const bundle = await makeBundle(uid, ed.privateKey, xPub, edPub);
  return { uid, x25519: x.privateKey, ed25519: ed.privateKey, x25519Public: xPub, bundle };
}

const me = await identity(ME);
const sup = await identity(SUP);
const supNewKey = await identity(SUP); // the same uid, another key (a swap by the server)
const other = await identity(OTHER);
const stranger = await identity(ME); // another key claiming to be me

/** The server: bundles by uid, pin records by subject, and the requests seen. */
function server({ bundles = { [SUP]: sup.bundle, [OTHER]: other.bundle }, records = new Map(), failPins = null } = {}) {
  const state = { bundles, records };
  state.seen = fakeServer((req) => {
    if (req.path === '/pins' && req.method === 'GET') {
      if (failPins) return failPins;
      return { status: 200, body: { pins: [...state.records.values()] } };
    }
    let m = req.path.match(/^\/pins\/([0-9a-f-]+)$/);
    if (m && req.method === 'PUT') {
      if (!state.bundles[m[1]]) return { status: 404, body: error('not_found') };
      state.records.set(m[1], { subject: m[1], ...req.body, verified_at: req.body.verified ? '2026-01-01T00:00:00Z' : null });
      return { status: 200, body: state.records.get(m[1]) };
    }
    m = req.path.match(/^\/users\/([0-9a-f-]+)\/bundle$/);
    if (m && state.bundles[m[1]]) return { status: 200, body: state.bundles[m[1]] };
    return { status: 404, body: error('not_found') };
  });
  return state;
}

async function signIn(id = me) {
  await keystore.saveSession({
    uid: ME, email: 'a@b.fi', keys: { bundle: me.bundle },
    unlocked: { ak: null, x25519: id.x25519, ed25519: id.ed25519, x25519Public: id.x25519Public },
  });
}

/** A new device: empty IndexedDB, nothing cached in the module. */
async function newDevice() {
  await freshIndexedDb();
  pins.resetPinsCache();
  await signIn();
}

const rejectsWith = (promise, code) => assert.rejects(promise, (err) => err instanceof pins.PinError && err.code === code);

beforeEach(async () => {
  await newDevice();
  api.setCsrfToken('token-1');
});

describe('first sight and changes', () => {
  test('bundleFor pins the first key it sees, returns it again, and refuses a changed one', async () => {
    const srv = server();
    assert.deepEqual(await pins.bundleFor(SUP), sup.bundle);
    assert.equal((await pins.checkBundle(SUP, sup.bundle)).status, 'same');
    assert.equal(srv.records.size, 1, 'the pin was stored on the server');
    srv.bundles[SUP] = supNewKey.bundle;
    await rejectsWith(pins.bundleFor(SUP), 'changed');
    assert.equal((await pins.checkBundle(SUP, supNewKey.bundle)).status, 'changed');
    await rejectsWith(pins.pin(SUP, supNewKey.bundle), 'changed');
  });

  test('offline, the key this device last used still seals, only while it is the pinned one', async () => {
    const srv = server();
    assert.deepEqual(await pins.bundleFor(SUP), sup.bundle);
    fakeServer(() => 'network');
    assert.deepEqual(await pins.bundleFor(SUP), sup.bundle, 'the kept bundle, from the device');
    await assert.rejects(pins.bundleFor(OTHER), (err) => err instanceof api.ApiError && err.status === 0,
      'never seen: nothing to seal with');
    fakeServer(() => ({ status: 503, body: error('unavailable') }));
    assert.deepEqual(await pins.bundleFor(SUP), sup.bundle, 'a server that cannot answer now, likewise');
    fakeServer(() => ({ status: 404, body: error('not_found') }));
    await assert.rejects(pins.bundleFor(SUP), (err) => err instanceof api.ApiError && err.status === 404,
      'an answer is believed: no kept bundle behind a 404');
    // Another device verified a new key: the kept bundle no longer matches the pin.
    const fp = await pins.fingerprintOf(supNewKey.bundle);
    const sig = b64uEncode(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, me.ed25519, utf8Encode(pins.pinMessage(ME, SUP, fp, true)))));
    srv.records.set(SUP, { subject: SUP, fp, verified: true, sig, verified_at: '2026-01-02T00:00:00Z' });
    server({ bundles: { [SUP]: supNewKey.bundle }, records: srv.records });
    pins.resetPinsCache();
    await pins.syncPins();
    fakeServer(() => 'network');
    await assert.rejects(pins.bundleFor(SUP), (err) => err instanceof api.ApiError && err.status === 0);
  });

  test('a bundle that is not self-signed, or of another uid, is refused', async () => {
    const srv = server();
    const forged = { ...sup.bundle, x25519: other.bundle.x25519 };
    srv.bundles[SUP] = forged;
    await rejectsWith(pins.bundleFor(SUP), 'bad_bundle');
    srv.bundles[SUP] = other.bundle;
    await rejectsWith(pins.bundleFor(SUP), 'bad_bundle');
    assert.equal(srv.records.size, 0);
    assert.equal((await pins.checkBundle(SUP, sup.bundle)).status, 'new');
  });

  test('my own bundle comes from the device without a pin', async () => {
    const srv = server();
    assert.deepEqual(await pins.bundleFor(ME), me.bundle);
    assert.equal(srv.seen.filter((r) => r.path.startsWith('/users/')).length, 0);
  });

  test('one\'s own key is never pinned: it is checked against the device', async () => {
    const srv = server();
    assert.equal((await pins.checkBundle(ME, me.bundle)).status, 'verified');
    assert.equal((await pins.checkBundle(ME, stranger.bundle)).status, 'changed');
    await pins.pinFromInvite(ME, me.bundle, await fp16(me.bundle));
    await pins.markVerified(ME, me.bundle);
    await rejectsWith(pins.pin(ME, stranger.bundle), 'changed');
    assert.equal(srv.seen.filter((r) => r.method === 'PUT').length, 0);
  });

  test('signing out wipes the pins with the rest of the device', async () => {
    server();
    await pins.pin(SUP, sup.bundle);
    await keystore.wipeDevice(); // the same IndexedDB factory: the database is deleted
    pins.resetPinsCache();
    await signIn();
    server({ records: new Map() }); // and the server no longer has it either
    assert.equal((await pins.checkBundle(SUP, sup.bundle)).status, 'new');
  });

  test('locked keys: nothing can be pinned', async () => {
    server();
    await keystore.lock();
    pins.resetPinsCache();
    await rejectsWith(pins.bundleFor(SUP), 'locked');
  });
});

describe('invites', () => {
  test('the link fp must be the bundle fp16', async () => {
    const srv = server();
    await rejectsWith(pins.pinFromInvite(SUP, sup.bundle, await fp16(supNewKey.bundle)), 'fp_mismatch');
    await rejectsWith(pins.pinFromInvite(SUP, sup.bundle, ''), 'fp_mismatch');
    assert.equal((await pins.checkBundle(SUP, sup.bundle)).status, 'new');
    assert.equal(srv.records.size, 0);
    await pins.pinFromInvite(SUP, sup.bundle, await fp16(sup.bundle));
    assert.equal((await pins.checkBundle(SUP, sup.bundle)).status, 'same');
  });

  test('an invite cannot replace a pinned key', async () => {
    server();
    await pins.pin(SUP, sup.bundle);
    await rejectsWith(pins.pinFromInvite(SUP, supNewKey.bundle, await fp16(supNewKey.bundle)), 'changed');
  });
});

describe('verification', () => {
  test('markVerified signs a verified record, and re-verifying accepts a new key', async () => {
    const srv = server();
    await pins.pin(SUP, sup.bundle);
    await pins.markVerified(SUP, sup.bundle);
    assert.equal((await pins.checkBundle(SUP, sup.bundle)).status, 'verified');
    const rec = srv.records.get(SUP);
    assert.equal(rec.verified, true);
    assert.equal(rec.fp, await pins.fingerprintOf(sup.bundle));
    assert.ok(await ed25519Verify(me.bundle.ed25519, rec.sig, utf8Encode(pins.pinMessage(ME, SUP, rec.fp, true))));

    srv.bundles[SUP] = supNewKey.bundle;
    await rejectsWith(pins.bundleFor(SUP), 'changed');
    await pins.markVerified(SUP); // the user compared the new safety number
    assert.deepEqual(await pins.bundleFor(SUP), supNewKey.bundle);
    assert.equal((await pins.checkBundle(SUP, supNewKey.bundle)).status, 'verified');
  });
});

describe('sync between devices', () => {
  test('a new device takes the signed records and refuses the key they do not name', async () => {
    const srv = server();
    await pins.markVerified(SUP, sup.bundle);
    await pins.pin(OTHER, other.bundle);
    await newDevice();
    srv.bundles[SUP] = supNewKey.bundle;
    await rejectsWith(pins.bundleFor(SUP), 'changed');
    assert.equal((await pins.checkBundle(SUP, sup.bundle)).status, 'verified');
    assert.equal((await pins.checkBundle(OTHER, other.bundle)).status, 'same');
  });

  test('records the account did not sign are ignored (the server cannot plant a pin)', async () => {
    const records = new Map();
    const fp = await pins.fingerprintOf(supNewKey.bundle);
    // signed by another key, and a genuine signature over a different message
    const foreignSig = b64uEncode(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, stranger.ed25519, utf8Encode(pins.pinMessage(ME, SUP, fp, true)))));
    records.set(SUP, { subject: SUP, fp, verified: true, sig: foreignSig, verified_at: null });
    const otherFp = await pins.fingerprintOf(other.bundle);
    const mySig = b64uEncode(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, me.ed25519, utf8Encode(pins.pinMessage(ME, OTHER, otherFp, false)))));
    records.set(OTHER, { subject: OTHER, fp: otherFp, verified: true, sig: mySig, verified_at: null }); // flag flipped
    const srv = server({ records, bundles: { [SUP]: supNewKey.bundle, [OTHER]: other.bundle } });
    assert.equal((await pins.checkBundle(SUP, supNewKey.bundle)).status, 'new');
    assert.equal((await pins.checkBundle(OTHER, other.bundle)).status, 'new');
    assert.deepEqual(await pins.bundleFor(SUP), supNewKey.bundle);
    assert.equal(srv.records.get(SUP).sig !== foreignSig, true, 'the device sent its own record');
  });

  test('a device that never read the server refuses to decide; one that did goes on offline', async () => {
    server({ failPins: { status: 500, body: error('server') } });
    await rejectsWith(pins.checkBundle(SUP, sup.bundle), 'unsynced');
    await rejectsWith(pins.bundleFor(SUP), 'unsynced');
    server();
    await pins.pin(SUP, sup.bundle);
    pins.resetPinsCache();
    server({ failPins: 'network' });
    assert.equal((await pins.checkBundle(SUP, sup.bundle)).status, 'same');
  });

  test('a pin made while the server refused it is sent on the next sync', async () => {
    const srv = server();
    srv.bundles = { [SUP]: sup.bundle }; // PUT answers 404 for OTHER: no process shared (yet)
    await pins.pin(OTHER, other.bundle);
    assert.equal(srv.records.has(OTHER), false);
    pins.resetPinsCache();
    srv.bundles = { [SUP]: sup.bundle, [OTHER]: other.bundle };
    await pins.syncPins();
    assert.equal(srv.records.get(OTHER).fp, await pins.fingerprintOf(other.bundle));
  });

  test('another device re-verifying a new key wins over a synced older pin', async () => {
    const srv = server();
    await pins.pin(SUP, sup.bundle);
    // the other device: verified the new key
    const fp = await pins.fingerprintOf(supNewKey.bundle);
    const sig = b64uEncode(new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, me.ed25519, utf8Encode(pins.pinMessage(ME, SUP, fp, true)))));
    srv.records.set(SUP, { subject: SUP, fp, verified: true, sig, verified_at: '2026-01-02T00:00:00Z' });
    pins.resetPinsCache();
    assert.equal((await pins.checkBundle(SUP, supNewKey.bundle)).status, 'verified');
  });

  test('an own bundle that does not match the unlocked key is not believed', async () => {
    server();
    await signIn(stranger);
    pins.resetPinsCache();
    await rejectsWith(pins.bundleFor(SUP), 'bad_bundle');
  });
});
