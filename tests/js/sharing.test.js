// Sharing with the supervisor and the key rotation after a revoke (webapp/static/js/sharing.js),
// with real keys and real sealing against a fake IndexedDB and a scripted server that keeps
// items, envelopes and the rekey flag as the real one does (PROTOCOL §5): a share's envelope
// opens with the supervisor's key; a rotation gives a new DEK, re-seals at rev + 1 and makes
// envelopes for exactly the readers who keep access; the revoked reader's old key opens
// nothing new; a changed key, an unsent local change and a racing edit are handled.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { error, fakeServer, freshIndexedDb } from './support/fake-server.js';

const api = await import('../../webapp/static/js/api.js');
const keystore = await import('../../webapp/static/js/keystore.js');
const outbox = await import('../../webapp/static/js/outbox.js');
const pins = await import('../../webapp/static/js/pins.js');
const { importAesKey } = await import('../../webapp/static/js/crypto/aead.js');
const { makeBundle } = await import('../../webapp/static/js/crypto/identity.js');
const { newDek, openItem, openOwnerEnvelope, openShareEnvelope, ownerEnvelope, sealItem, shareEnvelope } = await import(
  '../../webapp/static/js/crypto/envelope.js'
);
const sharing = await import('../../webapp/static/js/sharing.js');

const ANNA = '11111111-1111-4111-8111-111111111111'; // the supervisee, author
const SARA = '22222222-2222-4222-8222-222222222222'; // her supervisor
const OLLI = '33333333-3333-4333-8333-333333333333'; // another reader, revoked
const PID = '44444444-4444-4444-8444-444444444444';
const ITEM = '55555555-5555-4555-8555-555555555555';
const PAYLOAD = { title: 'Jaettu pohdinta', body: 'Vain ohjaajalle', tags: ['raja'] };

async function identity(uid) {
  const x = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const xPub = new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey));
  const edPub = new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey));
  const bundle = await makeBundle(uid, ed.privateKey, xPub, edPub);
  const ak = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
  return { uid, ak, x25519: x.privateKey, ed25519: ed.privateKey, x25519Public: xPub, bundle };
}

const anna = await identity(ANNA);
const sara = await identity(SARA);
const olli = await identity(OLLI);
const saraNewKey = await identity(SARA);
const me = { keys: anna, uid: ANNA };

/** The server's state of one item of Anna's: the sealed item, its envelopes, the flag. */
async function annasItem({ readers = [] } = {}) {
  const dek = newDek();
  const { sealed, sig } = await sealItem({ id: ITEM, kind: 'entry', rev: 1, by: ANNA, payload: PAYLOAD, dek, signingKey: anna.ed25519 });
  const envelopes = [await ownerEnvelope(anna.ak, dek, ITEM, ANNA)];
  for (const reader of readers) envelopes.push(await shareEnvelope(dek, ITEM, reader.uid, reader.bundle.x25519));
  const meta = new Map(readers.map((r) => [r.uid, { process: PID, expires_at: null, bring: r === sara }]));
  return { dek, item: { id: ITEM, kind: 'entry', author: ANNA, rev: 1, sealed, sig, process: null, links: null, created_at: '2026-01-01T00:00:00+00:00', updated_at: '2026-01-01T00:00:00+00:00' }, envelopes, meta, rekey: false };
}

/** A scripted server for Anna's session, keeping `state` like the real one. */
function server(state, { bundles = { [SARA]: sara.bundle, [OLLI]: olli.bundle }, conflictOnce = false } = {}) {
  let conflict = conflictOnce;
  return fakeServer((req) => {
    if (req.path === '/pins' && req.method === 'GET') return { status: 200, body: { pins: [] } };
    if (/^\/pins\//.test(req.path)) return { status: 200, body: {} };
    let m = req.path.match(/^\/users\/([0-9a-f-]+)\/bundle$/);
    if (m) return bundles[m[1]] ? { status: 200, body: bundles[m[1]] } : { status: 404, body: error('not_found') };
    const own = () => ({ ...state.item, envelope: state.envelopes.find((e) => e.recipient === ANNA) });
    if (req.path === `/items/${ITEM}` && req.method === 'GET') return { status: 200, body: own() };
    if (req.path === `/items/${ITEM}/readers`) {
      const readers = state.envelopes.filter((e) => e.recipient !== ANNA).map((e) => ({ recipient: e.recipient, ...state.meta.get(e.recipient) }));
      return { status: 200, body: { readers, rekey_due: state.rekey } };
    }
    if (req.path === `/items/${ITEM}` && req.method === 'PUT') {
      if (conflict || req.body.rev !== state.item.rev + 1) {
        conflict = false;
        return { status: 409, body: error('conflict', 'stale', { rev: state.item.rev }) };
      }
      const recipients = req.body.envelopes.map((e) => e.recipient);
      if (recipients.some((r) => r !== ANNA && !state.meta.has(r))) return { status: 403, body: error('not_shared_process') };
      Object.assign(state.item, { rev: req.body.rev, sealed: req.body.sealed, sig: req.body.sig });
      state.envelopes = req.body.envelopes;
      state.rekey = false;
      return { status: 200, body: own() };
    }
    m = req.path.match(/^\/items\/[0-9a-f-]+\/envelopes\/([0-9a-f-]+)$/);
    if (m && req.method === 'PUT') {
      state.envelopes = state.envelopes.filter((e) => e.recipient !== m[1]).concat(req.body.envelope);
      state.meta.set(m[1], { process: req.body.process, expires_at: req.body.expires_at ?? null, bring: Boolean(req.body.bring) });
      return { status: 204 };
    }
    if (m && req.method === 'DELETE') {
      if (!state.envelopes.some((e) => e.recipient === m[1])) return { status: 404, body: error('not_found') };
      state.envelopes = state.envelopes.filter((e) => e.recipient !== m[1]);
      state.meta.delete(m[1]);
      state.rekey = true;
      return { status: 204 };
    }
    return { status: 404, body: error('not_found') };
  });
}

const envelopeOf = (state, uid) => state.envelopes.find((e) => e.recipient === uid);
const writes = (seen) => seen.filter((r) => r.method !== 'GET' && !r.path.startsWith('/pins'));

beforeEach(async () => {
  await freshIndexedDb();
  pins.resetPinsCache();
  api.setCsrfToken('token-1');
  await keystore.saveSession({
    uid: ANNA, email: 'anna@example.fi', keys: { bundle: anna.bundle },
    unlocked: { uid: ANNA, ak: anna.ak, x25519: anna.x25519, ed25519: anna.ed25519, x25519Public: anna.x25519Public },
  });
});

describe('when the next session ends', () => {
  const frame = { starts_on: '2026-03-02', ends_on: null, interval_days: 28, session_count: 3 };

  test('the end of the day of the next session in the frame, in local time', () => {
    assert.deepEqual(sharing.nextSessionEnd(frame, new Date(2026, 2, 1, 12)), new Date(2026, 2, 3));
    assert.deepEqual(sharing.nextSessionEnd(frame, new Date(2026, 2, 2, 23, 59)), new Date(2026, 2, 3));
    assert.deepEqual(sharing.nextSessionEnd(frame, new Date(2026, 2, 10)), new Date(2026, 2, 31));
    assert.deepEqual(sharing.nextSessionEnd(frame, new Date(2026, 3, 27, 8)), new Date(2026, 3, 28));
  });

  test('none after the last session, past ends_on, or without a start', () => {
    assert.equal(sharing.nextSessionEnd(frame, new Date(2026, 3, 28, 0, 0, 1)), null);
    assert.equal(sharing.nextSessionEnd({ ...frame, ends_on: '2026-03-20' }, new Date(2026, 2, 10)), null);
    assert.equal(sharing.nextSessionEnd({ ...frame, starts_on: null }, new Date(2026, 2, 1)), null);
    assert.equal(sharing.nextSessionEnd(null), null);
  });

  test('a process with a schedule: the end of its next planned session, whatever the frame', () => {
    const scheduled = { ...frame, next_session_end: '2026-03-05T15:30:00+00:00' };
    assert.deepEqual(sharing.nextSessionEnd(scheduled, new Date(2026, 2, 1)), new Date(Date.UTC(2026, 2, 5, 15, 30)));
    assert.equal(sharing.nextSessionEnd(scheduled, new Date(Date.UTC(2026, 2, 5, 15, 31))), null);
    // No session left in the schedule: none, though the frame would still have one.
    assert.equal(sharing.nextSessionEnd({ ...frame, next_session_end: null }, new Date(2026, 2, 1)), null);
  });

  test('the expiry of each duration', () => {
    const now = new Date(Date.UTC(2026, 2, 10, 12));
    assert.equal(sharing.shareExpiry('revoked', { now }), null);
    assert.equal(sharing.shareExpiry('days', { days: 7, now }), '2026-03-17T12:00:00.000Z');
    assert.equal(sharing.shareExpiry('session', { frame, now }), new Date(2026, 2, 31).toISOString());
    assert.throws(() => sharing.shareExpiry('session', { frame: null, now }), RangeError);
    assert.throws(() => sharing.shareExpiry('days', { days: 0, now }), RangeError);
  });
});

describe('sharing', () => {
  test('the supervisor gets an envelope of the entry\'s DEK, through the process, with expiry and mark', async () => {
    const state = await annasItem();
    const seen = server(state);
    await sharing.shareItem({ itemId: ITEM, recipient: SARA, process: PID, expiresAt: '2026-12-31T22:00:00.000Z', bring: true }, me);
    const put = writes(seen);
    assert.equal(put.length, 1);
    assert.equal(put[0].path, `/items/${ITEM}/envelopes/${SARA}`);
    assert.deepEqual({ ...put[0].body, envelope: undefined }, { envelope: undefined, process: PID, expires_at: '2026-12-31T22:00:00.000Z', bring: true });
    const dek = await openShareEnvelope(sara.x25519, put[0].body.envelope, ITEM, SARA, sara.x25519Public);
    assert.deepEqual(dek, state.dek);
    assert.deepEqual(await openItem({ item: state.item, dek, authorEd25519: anna.bundle.ed25519 }), PAYLOAD);
  });

  test('a changed key of the supervisor stops the share before anything is sent', async () => {
    const state = await annasItem();
    server(state);
    await sharing.shareItem({ itemId: ITEM, recipient: SARA, process: PID }, me); // pins Sara's key
    const seen = server(state, { bundles: { [SARA]: saraNewKey.bundle } });
    await assert.rejects(sharing.shareItem({ itemId: ITEM, recipient: SARA, process: PID }, me), (err) => err instanceof pins.PinError && err.code === 'changed');
    assert.equal(writes(seen).length, 0);
  });
});

describe('rotation after a revoke', () => {
  test('revoke deletes the envelope, then a new DEK for the author and the readers who stay', async () => {
    const state = await annasItem({ readers: [sara, olli] });
    const seen = server(state);
    const oldOlli = envelopeOf(state, OLLI);
    assert.equal(await sharing.revoke(ITEM, OLLI, me), 'rotated');
    assert.deepEqual(writes(seen).map((r) => `${r.method} ${r.path}`), [`DELETE /items/${ITEM}/envelopes/${OLLI}`, `PUT /items/${ITEM}`]);
    assert.equal(state.item.rev, 2);
    assert.equal(state.rekey, false);
    assert.deepEqual(state.envelopes.map((e) => e.recipient).sort(), [ANNA, SARA]);
    const mine = await openOwnerEnvelope(anna.ak, envelopeOf(state, ANNA), ITEM, ANNA);
    const saras = await openShareEnvelope(sara.x25519, envelopeOf(state, SARA), ITEM, SARA, sara.x25519Public);
    assert.deepEqual(mine, saras);
    assert.notDeepEqual(mine, state.dek, 'a new DEK');
    assert.deepEqual(await openItem({ item: state.item, dek: mine, authorEd25519: anna.bundle.ed25519 }), PAYLOAD);
    // The revoked reader's old key opens nothing new.
    const olliOld = await openShareEnvelope(olli.x25519, oldOlli, ITEM, OLLI, olli.x25519Public);
    await assert.rejects(openItem({ item: state.item, dek: olliOld, authorEd25519: anna.bundle.ed25519 }), (err) => err.code === 'decrypt_failed');
    // Sara keeps her mark (the server's), and nothing is due any more.
    assert.equal(state.meta.get(SARA).bring, true);
    assert.equal(await sharing.rotateIfDue(ITEM, me), 'not_due');
    assert.equal(writes(seen).length, 2);
  });

  test('a flag set elsewhere (another device, a purge) is enough: the next open rotates', async () => {
    const state = await annasItem({ readers: [sara] });
    state.rekey = true;
    server(state);
    assert.equal(await sharing.rotateIfDue(ITEM, me), 'rotated');
    assert.equal(state.item.rev, 2);
  });

  test('a racing edit (409) is answered by starting again from the stored item', async () => {
    const state = await annasItem({ readers: [sara] });
    state.rekey = true;
    const seen = server(state, { conflictOnce: true });
    assert.equal(await sharing.rotateIfDue(ITEM, me), 'rotated');
    assert.equal(seen.filter((r) => r.method === 'PUT' && r.path === `/items/${ITEM}`).length, 2);
    assert.equal(state.rekey, false);
  });

  test('not while this device holds an unsent change of the entry', async () => {
    const state = await annasItem({ readers: [sara] });
    state.rekey = true;
    const seen = fakeServer(() => 'network'); // offline: the change stays queued
    await outbox.queuePut(ANNA, ITEM, { kind: 'entry', rev: 2, sealed: state.item.sealed, sig: state.item.sig }, { ...state.item, rev: 2 });
    assert.equal(await sharing.rotateIfDue(ITEM, me), 'pending');
    assert.equal(seen.filter((r) => r.path.includes('/readers')).length, 0);
  });

  test('a reader whose key changed blocks the rotation; the revoke itself stands', async () => {
    const state = await annasItem({ readers: [sara, olli] });
    server(state);
    await sharing.shareItem({ itemId: ITEM, recipient: SARA, process: PID }, me); // pins Sara
    const seen = server(state, { bundles: { [SARA]: saraNewKey.bundle, [OLLI]: olli.bundle } });
    assert.equal(await sharing.revoke(ITEM, OLLI, me), 'later');
    assert.deepEqual(writes(seen).map((r) => r.method), ['DELETE']);
    assert.equal(state.rekey, true, 'still due: the next open tries again');
    assert.equal(envelopeOf(state, OLLI), undefined);
  });
});
