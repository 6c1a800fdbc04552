// The contract in the browser (static/js/contract.js) with real keys: acceptances signed and
// checked against the protocol's vectors (the vector item accepted with the vector account's
// Ed25519 key gives a fixed signature, the same the Python protocol computes:
// tests/test_contract_protocol.py), a changed byte or rev or another key makes it fail, and
// a revision sealed for the members opens with each member's own private key.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const { importAesKey } = await import('../../webapp/static/js/crypto/aead.js');
const { b64uDecode, b64uEncode } = await import('../../webapp/static/js/crypto/encoding.js');
const { newDek, openItem, openOwnerEnvelope, openShareEnvelope } = await import('../../webapp/static/js/crypto/envelope.js');
const { importPrivateKey, makeBundle } = await import('../../webapp/static/js/crypto/identity.js');
const { acceptanceBody, acceptanceHolds, contractPayload, memberItemBody, sectionsOf } = await import('../../webapp/static/js/contract.js');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const V = JSON.parse(fs.readFileSync(path.join(root, 'protocol', 'vectors.json'), 'utf8'));
/** Ed25519 is deterministic: the vector account's acceptance of the vector item. */
const VECTOR_ACCEPT_SIG = '_EIgw-3JOsbkDuRAEr5uprjfKDraah4l_jNI4VKJ81wQ9JsAocQwV4hhm8rcg77ogss5xr9orOIQEYBr0a56BA';

const SUPERVISOR = '11111111-1111-4111-8111-111111111111';
const ANNA = '22222222-2222-4222-8222-222222222222';
const BERTTA = '33333333-3333-4333-8333-333333333333';
const PID = '44444444-4444-4444-8444-444444444444';

class PinError extends Error {
  constructor(code) {
    super(code);
    this.name = 'PinError';
  }
}

async function identity(uid) {
  const x = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const xPub = new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey));
  const edPub = new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey));
  return { uid, x25519: x.privateKey, ed25519: ed.privateKey, x25519Public: xPub, bundle: await makeBundle(uid, ed.privateKey, xPub, edPub) };
}

const flip = (s, at = 5) => {
  const u = b64uDecode(s);
  u[at] ^= 1;
  return b64uEncode(u);
};

test('the vector item accepted with the vector key gives the fixed signature, and it holds', async () => {
  const key = await importPrivateKey('Ed25519', b64uDecode(V.account.ed25519_private_pkcs8));
  const item = { id: V.item.id, rev: V.item.rev, sealed: V.item.sealed };
  const body = await acceptanceBody(item, key);
  assert.deepEqual(body, { rev: 1, sig: VECTOR_ACCEPT_SIG });
  const acceptance = { rev: 1, content_hash: V.item.content_hash, sig: body.sig };
  assert.equal(await acceptanceHolds(acceptance, item, V.account.bundle.ed25519), true);
});

test('an acceptance fails for another text, rev, hash, signature or key', async () => {
  const item = { id: V.item.id, rev: V.item.rev, sealed: V.item.sealed };
  const good = { rev: 1, content_hash: V.item.content_hash, sig: VECTOR_ACCEPT_SIG };
  const ed = V.account.bundle.ed25519;
  const altered = { ...item, sealed: { ...item.sealed, ct: flip(item.sealed.ct) } };
  assert.equal(await acceptanceHolds(good, altered, ed), false);        // the server changed the text
  assert.equal(await acceptanceHolds(good, { ...item, rev: 2 }, ed), false);
  assert.equal(await acceptanceHolds({ ...good, content_hash: flip(good.content_hash) }, item, ed), false);
  assert.equal(await acceptanceHolds({ ...good, sig: flip(good.sig) }, item, ed), false);
  assert.equal(await acceptanceHolds(good, item, V.supervisor.bundle.ed25519), false);
  assert.equal(await acceptanceHolds({ ...good, sig: 'not base64!' }, item, ed), false);
});

test('a revision is sealed for every member but one whose key changed, and each opens it', async () => {
  const sara = await identity(SUPERVISOR);
  const anna = await identity(ANNA);
  const ak = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
  const id = crypto.randomUUID();
  const dek = newDek();
  const payload = contractPayload({ sections: { methods: 'Ratkaisukeskeinen', unknown: 'x', price: 5 }, place: 'Tampere', lang: 'sv' });
  assert.deepEqual(payload, { sections: { methods: 'Ratkaisukeskeinen' }, place: 'Tampere', lang: 'sv' });
  const bundleFor = async (uid) => {
    if (uid === BERTTA) throw new PinError('changed');
    return anna.bundle;
  };
  const { body, refused } = await memberItemBody({
    id, kind: 'contract', rev: 1, payload, dek, pid: PID, members: [SUPERVISOR, ANNA, BERTTA], uid: SUPERVISOR,
    keys: { ak, ed25519: sara.ed25519 }, bundleFor, parent: '55555555-5555-4555-8555-555555555555',
  });
  assert.deepEqual(refused, [BERTTA]);
  assert.equal(body.process, PID);
  assert.deepEqual(body.links, { parent: '55555555-5555-4555-8555-555555555555' });
  assert.deepEqual(body.envelopes.map((e) => [e.recipient, e.type]), [[SUPERVISOR, 'ak'], [ANNA, 'x25519']]);
  const own = await openOwnerEnvelope(ak, body.envelopes[0], id, SUPERVISOR);
  const shared = await openShareEnvelope(anna.x25519, body.envelopes[1], id, ANNA, anna.x25519Public);
  assert.deepEqual(own, dek);
  assert.deepEqual(shared, dek);
  const item = { id, kind: 'contract', rev: 1, author: SUPERVISOR, sealed: body.sealed, sig: body.sig };
  const opened = await openItem({ item, dek: shared, authorEd25519: b64uDecode(sara.bundle.ed25519) });
  assert.deepEqual(sectionsOf(opened), [['methods', 'Ratkaisukeskeinen']]);
  // Anna accepts what she opened; her signature holds for that item and her key only.
  const acceptance = await acceptanceBody(item, anna.ed25519);
  const hash = (await import('../../webapp/static/js/crypto/envelope.js')).contentHash;
  const full = { ...acceptance, content_hash: b64uEncode(await hash(item.sealed)) };
  assert.equal(await acceptanceHolds(full, item, anna.bundle.ed25519), true);
  assert.equal(await acceptanceHolds(full, item, sara.bundle.ed25519), false);
});

test('an edit is the next rev with the same key and no envelopes; other errors are not swallowed', async () => {
  const sara = await identity(SUPERVISOR);
  const ak = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
  const dek = newDek();
  const id = crypto.randomUUID();
  const { body } = await memberItemBody({
    id, kind: 'goal', rev: 2, payload: { text: 'Rajaan työtäni' }, dek, pid: PID, members: [ANNA], uid: SUPERVISOR,
    keys: { ak, ed25519: sara.ed25519 }, bundleFor: async () => assert.fail('no envelopes for an edit'),
  });
  assert.equal(body.rev, 2);
  assert.equal(body.envelopes, undefined);
  assert.equal(body.links, undefined);
  const opened = await openItem({ item: { id, kind: 'goal', rev: 2, author: SUPERVISOR, sealed: body.sealed, sig: body.sig }, dek, authorEd25519: b64uDecode(sara.bundle.ed25519) });
  assert.deepEqual(opened, { text: 'Rajaan työtäni' });
  await assert.rejects(
    memberItemBody({
      id: crypto.randomUUID(), kind: 'goal', rev: 1, payload: { text: 'x' }, dek, pid: PID, members: [ANNA], uid: SUPERVISOR,
      keys: { ak, ed25519: sara.ed25519 }, bundleFor: async () => { throw new Error('offline'); },
    }),
    /offline/,
  );
});

test('sectionsOf keeps known, non-empty string sections in contract order', () => {
  assert.deepEqual(sectionsOf({ sections: { price: 'p', methods: 'm', evil: 'x', ending: '  ', buyer: 3 } }), [['methods', 'm'], ['price', 'p']]);
  assert.deepEqual(sectionsOf(null), []);
  assert.deepEqual(sectionsOf({ sections: 'x' }), []);
});
