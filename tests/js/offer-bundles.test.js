// Bundles given with a page (webapp/static/js/session.js offerBundles, the agenda builder's
// members): an author's key is taken from one only after the same check a bundle from the
// server gets, so the page verifies what they wrote without asking the server; a bundle that
// fails the check (another uid, a key it did not sign with) is not used, the server is asked
// instead; the reader's own key is always the device's. Against a scripted server that
// answers GET /users/{uid}/bundle and counts the calls.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { fakeServer, freshIndexedDb } from './support/fake-server.js';

const keystore = await import('../../webapp/static/js/keystore.js');
const session = await import('../../webapp/static/js/session.js');
const { makeBundle } = await import('../../webapp/static/js/crypto/identity.js');
const { b64uDecode } = await import('../../webapp/static/js/crypto/encoding.js');

const ME = '11111111-1111-4111-8111-111111111111';
let next = 0x100;
/** A fresh uid per identity: session.js keeps the keys it found for the page's lifetime. */
const newUid = () => `22222222-2222-4222-8222-${String(next++).padStart(12, '0')}`;

globalThis.document = /** @type {any} */ ({
  querySelector: (selector) => (selector === 'meta[name="valitila-user"]' ? { content: ME } : null),
});

async function identity(uid) {
  const x = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const xPub = new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey));
  const edPub = new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey));
  return { uid, ed, bundle: await makeBundle(uid, ed.privateKey, xPub, edPub) };
}

const me = await identity(ME);
const someoneElse = await identity(ME); // another key claiming to be me

/** The server: the true bundles by uid; the bundle calls seen. */
let bundles = {};
let seen = [];
beforeEach(async () => {
  await freshIndexedDb();
  await keystore.saveSession({
    uid: ME, email: 'a@b.fi', keys: { bundle: me.bundle },
    unlocked: { ak: null, x25519: null, ed25519: me.ed.privateKey, x25519Public: null },
  });
  bundles = {};
  seen = fakeServer((req) => {
    const m = req.path.match(/^\/users\/([0-9a-f-]+)\/bundle$/);
    if (m && bundles[m[1]]) return { status: 200, body: bundles[m[1]] };
    return { status: 404, body: { error: { code: 'not_found', message: 'not found' } } };
  });
});

const raw = (bundle) => b64uDecode(bundle.ed25519, 32);
const bundleCalls = () => seen.filter((req) => req.path.endsWith('/bundle')).length;

test('an offered bundle gives its author key without a call to the server', async () => {
  const members = await Promise.all([identity(newUid()), identity(newUid()), identity(newUid())]);
  for (const member of members) bundles[member.uid] = member.bundle;
  session.offerBundles(Object.fromEntries(members.map((member) => [member.uid, member.bundle])));
  for (const member of members) {
    assert.deepEqual(await session.authorKey(member.uid), raw(member.bundle));
    const key = await session.authorVerifyKey(member.uid);
    const message = new TextEncoder().encode('valitila');
    const sig = await crypto.subtle.sign({ name: 'Ed25519' }, member.ed.privateKey, message);
    assert.ok(await crypto.subtle.verify({ name: 'Ed25519' }, key, sig, message));
  }
  assert.equal(bundleCalls(), 0);
  // Someone not offered: asked for, as before.
  const late = await identity(newUid());
  bundles[late.uid] = late.bundle;
  assert.deepEqual(await session.authorKey(late.uid), raw(late.bundle));
  assert.equal(bundleCalls(), 1);
});

test('a bundle that fails the check is not used: the server is asked', async () => {
  const a = await identity(newUid());
  const b = await identity(newUid());
  const c = await identity(newUid());
  for (const who of [a, b, c]) bundles[who.uid] = who.bundle;
  const swapped = { ...a.bundle, ed25519: c.bundle.ed25519 }; // not signed with that key
  session.offerBundles({
    [a.uid]: swapped,
    [b.uid]: c.bundle, // another uid's bundle
    [c.uid]: { uid: c.uid, v: 1 }, // malformed
  });
  assert.deepEqual(await session.authorKey(a.uid), raw(a.bundle));
  assert.deepEqual(await session.authorKey(b.uid), raw(b.bundle));
  assert.deepEqual(await session.authorKey(c.uid), raw(c.bundle));
  assert.equal(bundleCalls(), 3);
});

test("the reader's own key is the device's, whatever the page offers", async () => {
  session.offerBundles({ [ME]: someoneElse.bundle });
  assert.deepEqual(await session.authorKey(ME), raw(me.bundle));
  assert.equal(bundleCalls(), 0);
});

test('a key already found is kept: a later offer does not replace it', async () => {
  const a = await identity(newUid());
  const impostor = await identity(a.uid); // the same uid, another key, self-signed
  bundles[a.uid] = a.bundle;
  assert.deepEqual(await session.authorKey(a.uid), raw(a.bundle));
  session.offerBundles({ [a.uid]: impostor.bundle });
  assert.deepEqual(await session.authorKey(a.uid), raw(a.bundle));
  session.offerBundles(undefined);
  assert.equal(bundleCalls(), 1);
});
