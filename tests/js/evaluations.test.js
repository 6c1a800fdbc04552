// Evaluations in the browser (webapp/static/js/evaluations.js) with real keys: the payload
// read safely from untrusted JSON, blank and merged versions, an evaluation sealed for the
// supervisor (ak) and every other member (x25519) who each open it, and an acceptance that
// holds for exactly that text and no other (contract.js's acceptance helpers, PROTOCOL §6).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

const { importAesKey } = await import('../../webapp/static/js/crypto/aead.js');
const { newDek, openItem, openShareEnvelope, ownerEnvelope, sealItem } = await import('../../webapp/static/js/crypto/envelope.js');
const { makeBundle } = await import('../../webapp/static/js/crypto/identity.js');
const { acceptanceBody, acceptanceHolds } = await import('../../webapp/static/js/contract.js');
const { contentHash } = await import('../../webapp/static/js/crypto/envelope.js');
const { b64uEncode } = await import('../../webapp/static/js/crypto/encoding.js');
const e = await import('../../webapp/static/js/evaluations.js');

const SARA = '11111111-1111-4111-8111-111111111111';
const ANNA = '22222222-2222-4222-8222-222222222222';
const BERTTA = '33333333-3333-4333-8333-333333333333';
const GOAL = '55555555-5555-4555-8555-555555555555';

async function identity(uid) {
  const x = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const xPub = new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey));
  const edPub = new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey));
  const ak = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
  return { uid, ak, x25519: x.privateKey, ed25519: ed.privateKey, x25519Public: xPub, edPub, bundle: await makeBundle(uid, ed.privateKey, xPub, edPub) };
}

const sara = await identity(SARA);
const anna = await identity(ANNA);
const bertta = await identity(BERTTA);
const people = { [SARA]: sara, [ANNA]: anna, [BERTTA]: bertta };
const bundleFor = async (uid) => people[uid].bundle;

describe('evaluations', () => {
  test('the payload from untrusted JSON: scale values 0–10 or null, strings only', () => {
    assert.deepEqual(e.evaluationPayload({ goals: { [GOAL]: { start: '3', now: 11, helped: ['x'], next: 'Seuraava' } }, summary: 5 }), {
      goals: { [GOAL]: { start: 3, now: null, helped: '', next: 'Seuraava' } },
      summary: '',
    });
    assert.deepEqual(e.evaluationPayload({ goals: [1, 2] }), { goals: {}, summary: '' });
    assert.deepEqual(e.evaluationPayload(null), { goals: {}, summary: '' });
    assert.equal(e.scaleValue('2.5'), null);
    assert.equal(e.scaleValue(' 0 '), 0);
    assert.equal(e.scaleValue(true), null);
  });

  test('blank until a value or a word is written', () => {
    assert.ok(e.isBlankEvaluation({ goals: { [GOAL]: { start: null, now: '', helped: ' ', next: '' } }, summary: '  ' }));
    assert.ok(!e.isBlankEvaluation({ goals: { [GOAL]: { start: 0 } }, summary: '' }));
    assert.ok(!e.isBlankEvaluation({ goals: {}, summary: 'Yhteenveto' }));
  });

  test('merging keeps both versions of every text and my scale values', () => {
    const mine = { goals: { [GOAL]: { start: 2, now: null, helped: 'Minun', next: 'Sama' } }, summary: 'A' };
    const theirs = { goals: { [GOAL]: { start: 4, now: 6, helped: 'Heidän', next: 'Sama' }, other: { start: 1 } }, summary: 'B' };
    const merged = e.mergeEvaluations(mine, theirs);
    assert.deepEqual(merged.goals[GOAL], { start: 2, now: 6, helped: 'Minun\n\n— — —\n\nHeidän', next: 'Sama' });
    assert.equal(merged.goals.other.start, 1);
    assert.equal(merged.summary, 'A\n\n— — —\n\nB');
  });

  test('sealed for every member, each opens it, and an acceptance holds for exactly it', async () => {
    const id = crypto.randomUUID();
    const dek = newDek();
    const payload = e.evaluationPayload({ goals: { [GOAL]: { start: 3, now: 7, helped: 'Välitehtävät', next: 'Jatketaan' } }, summary: 'Hyvä syksy' });
    const sealed = await sealItem({ id, kind: 'evaluation', rev: 1, by: SARA, payload, dek, signingKey: sara.ed25519 });
    const owner = await ownerEnvelope(sara.ak, dek, id, SARA);
    const envelopes = await e.evaluationEnvelopes({ id, dek, owner, members: [SARA, ANNA, BERTTA], uid: SARA, bundleFor });
    assert.deepEqual(envelopes.map((env) => [env.recipient, env.type]), [[SARA, 'ak'], [ANNA, 'x25519'], [BERTTA, 'x25519']]);
    const item = { id, kind: 'evaluation', author: SARA, rev: 1, sealed: sealed.sealed, sig: sealed.sig };
    for (const [who, env] of [[anna, envelopes[1]], [bertta, envelopes[2]]]) {
      const opened = await openShareEnvelope(who.x25519, env, id, who.uid, who.x25519Public);
      assert.deepEqual(await openItem({ item, dek: opened, authorEd25519: sara.edPub }), payload);
    }
    const { rev, sig } = await acceptanceBody(item, anna.ed25519);
    const acceptance = { user: ANNA, rev, sig, content_hash: b64uEncode(await contentHash(item.sealed)) };
    assert.ok(await acceptanceHolds(acceptance, item, anna.edPub));
    assert.ok(!(await acceptanceHolds(acceptance, item, bertta.edPub)));               // another key
    const edited = await sealItem({ id, kind: 'evaluation', rev: 1, by: SARA, payload: { ...payload, summary: 'Muutettu' }, dek, signingKey: sara.ed25519 });
    assert.ok(!(await acceptanceHolds(acceptance, { ...item, sealed: edited.sealed }, anna.edPub)));  // other text
  });

  test('a member whose key changed stops the sealing (PinError from the pin store)', async () => {
    const id = crypto.randomUUID();
    const dek = newDek();
    const owner = await ownerEnvelope(sara.ak, dek, id, SARA);
    const failing = async (uid) => {
      if (uid === BERTTA) throw Object.assign(new Error('key changed'), { name: 'PinError' });
      return people[uid].bundle;
    };
    await assert.rejects(e.evaluationEnvelopes({ id, dek, owner, members: [SARA, ANNA, BERTTA], uid: SARA, bundleFor: failing }), { name: 'PinError' });
  });
});
