// A held session's summary in the browser (webapp/static/js/summaries.js) with real keys: a
// save states its readers in full — the author's own envelope and one per member, each of
// whom opens it; a member whose key changed (a PinError) gets none and is named; the text
// helper reads untrusted JSON safely.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

const { importAesKey } = await import('../../webapp/static/js/crypto/aead.js');
const { newDek, ownerEnvelope, openShareEnvelope } = await import('../../webapp/static/js/crypto/envelope.js');
const { makeBundle } = await import('../../webapp/static/js/crypto/identity.js');
const s = await import('../../webapp/static/js/summaries.js');

const SARA = '11111111-1111-4111-8111-111111111111';
const ANNA = '22222222-2222-4222-8222-222222222222';
const BERTTA = '33333333-3333-4333-8333-333333333333';

async function identity(uid) {
  const x = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const xPub = new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey));
  const edPub = new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey));
  const ak = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
  return { uid, ak, x25519: x.privateKey, x25519Public: xPub, bundle: await makeBundle(uid, ed.privateKey, xPub, edPub) };
}

const sara = await identity(SARA);
const anna = await identity(ANNA);
const bertta = await identity(BERTTA);
const people = { [SARA]: sara, [ANNA]: anna, [BERTTA]: bertta };

describe('summaries', () => {
  test('every member gets an envelope and opens the key', async () => {
    const id = crypto.randomUUID();
    const dek = newDek();
    const owner = await ownerEnvelope(sara.ak, dek, id, SARA);
    const bundleFor = async (uid) => people[uid].bundle;
    const { envelopes, refused } = await s.summaryEnvelopes({ id, dek, owner, members: [ANNA, SARA, BERTTA], bundleFor });
    assert.deepEqual(refused, []);
    assert.deepEqual(envelopes.map((e) => [e.recipient, e.type]), [[SARA, 'ak'], [ANNA, 'x25519'], [BERTTA, 'x25519']]);
    for (const [who, env] of [[anna, envelopes[1]], [bertta, envelopes[2]]]) {
      assert.deepEqual(await openShareEnvelope(who.x25519, env, id, who.uid, who.x25519Public), dek);
    }
  });

  test('a member whose key changed gets none; other errors stop the save', async () => {
    const id = crypto.randomUUID();
    const dek = newDek();
    const owner = await ownerEnvelope(sara.ak, dek, id, SARA);
    const changed = async (uid) => {
      if (uid !== BERTTA) return people[uid].bundle;
      const err = new Error('changed');
      err.name = 'PinError';
      throw err;
    };
    const { envelopes, refused } = await s.summaryEnvelopes({ id, dek, owner, members: [ANNA, BERTTA], bundleFor: changed });
    assert.deepEqual(envelopes.map((e) => e.recipient), [SARA, ANNA]);
    assert.deepEqual(refused, [BERTTA]);
    const offline = async () => {
      throw new TypeError('Failed to fetch');
    };
    await assert.rejects(s.summaryEnvelopes({ id, dek, owner, members: [ANNA], bundleFor: offline }), TypeError);
  });

  test('the text of a payload', () => {
    assert.equal(s.summaryText({ body: 'Sovimme.' }), 'Sovimme.');
    assert.equal(s.summaryText({ body: ['x'] }), '');
    assert.equal(s.summaryText(null), '');
    assert.equal(s.summaryText('body'), '');
  });
});

describe('memberBundles', () => {
  test('answers from the bundles fetched at first, asks again for the rest', async () => {
    const asked = [];
    let online = true;
    const bundleFor = async (uid) => {
      asked.push(uid);
      if (!online) throw new TypeError('Failed to fetch');
      if (uid === BERTTA) {
        const err = new Error('changed');
        err.name = 'PinError';
        throw err;
      }
      return people[uid].bundle;
    };
    const readers = await s.memberBundles([ANNA, BERTTA], bundleFor);
    assert.deepEqual(asked.sort(), [ANNA, BERTTA].sort());
    online = false;
    assert.equal(await readers(ANNA), anna.bundle);          // no network needed
    await assert.rejects(readers(BERTTA), TypeError);        // asked again, and failed
    const id = crypto.randomUUID();
    const dek = newDek();
    const owner = await ownerEnvelope(sara.ak, dek, id, SARA);
    online = true;
    const { envelopes, refused } = await s.summaryEnvelopes({ id, dek, owner, members: [ANNA, BERTTA], bundleFor: readers });
    assert.deepEqual(envelopes.map((e) => e.recipient), [SARA, ANNA]);
    assert.deepEqual(refused, [BERTTA]);
  });
});
