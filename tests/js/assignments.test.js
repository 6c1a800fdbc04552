// Interim assignments in the browser (webapp/static/js/assignments.js) with real keys: giving
// seals the words once for the supervisor (ak) and each assignee (x25519), and each opens
// them; an answer is sealed for its author alone unless shared, then also for the
// supervisor; a changed key of an assignee stops the give before anything is built; the
// payload helpers read untrusted JSON safely.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

const { importAesKey } = await import('../../webapp/static/js/crypto/aead.js');
const { newDek, openItem, openOwnerEnvelope, openShareEnvelope } = await import('../../webapp/static/js/crypto/envelope.js');
const { makeBundle } = await import('../../webapp/static/js/crypto/identity.js');
const a = await import('../../webapp/static/js/assignments.js');

const SARA = '11111111-1111-4111-8111-111111111111';
const ANNA = '22222222-2222-4222-8222-222222222222';
const BERTTA = '33333333-3333-4333-8333-333333333333';
const PID = '44444444-4444-4444-8444-444444444444';

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

const WORDS = { title: ' Ihmekysymys ', instructions: 'Kuvittele…\n\nMistä huomaat?', minutes: '15', tags: 'ratkaisukeskeisyys, tavoitteet, Tavoitteet,', lang: 'fi', source: 'miracle_question' };

describe('assignments', () => {
  test('a payload from the form: trimmed, tags split, minutes a number', () => {
    assert.deepEqual(a.assignmentPayload(WORDS), {
      title: 'Ihmekysymys', instructions: 'Kuvittele…\n\nMistä huomaat?', minutes: 15, tags: ['ratkaisukeskeisyys', 'tavoitteet'], lang: 'fi', source: 'miracle_question',
    });
    assert.equal(a.assignmentPayload({ ...WORDS, minutes: 'x' }).minutes, null);
    assert.deepEqual(a.assignmentWords({ title: 5, tags: ['a', 3], minutes: -2 }), { title: '', instructions: '', minutes: null, tags: ['a'] });
    assert.equal(a.answerText({ body: ['x'] }), '');
  });

  test('giving seals the words for the supervisor and each assignee, who open them', async () => {
    const id = crypto.randomUUID();
    const dek = newDek();
    const payload = a.assignmentPayload(WORDS);
    const body = await a.giveBody({ id, payload, pid: PID, assignees: [ANNA, BERTTA], uid: SARA, keys: sara, due: '2030-01-01T10:00:00.000Z', bundleFor, dek });
    assert.equal(body.due_at, '2030-01-01T10:00:00.000Z');
    const { item } = body;
    assert.equal(item.kind, 'assignment');
    assert.equal(item.process, PID);
    assert.deepEqual(item.envelopes.map((e) => [e.recipient, e.type]), [[SARA, 'ak'], [ANNA, 'x25519'], [BERTTA, 'x25519']]);
    assert.ok(!JSON.stringify(body).includes('Ihmekysymys'));
    const wire = { id, kind: 'assignment', author: SARA, rev: 1, sealed: item.sealed, sig: item.sig };
    for (const [who, env] of [[anna, item.envelopes[1]], [bertta, item.envelopes[2]]]) {
      const opened = await openShareEnvelope(who.x25519, env, id, who.uid, who.x25519Public);
      assert.deepEqual(await openItem({ item: wire, dek: opened, authorEd25519: sara.edPub }), payload);
    }
    const own = await openOwnerEnvelope(sara.ak, item.envelopes[0], id, SARA);
    assert.equal((await openItem({ item: wire, dek: own, authorEd25519: sara.edPub })).title, 'Ihmekysymys');
    const plain = await a.giveBody({ id, payload, pid: PID, assignees: [ANNA], uid: SARA, keys: sara, due: undefined, bundleFor });
    assert.equal(plain.due_at, undefined);
    assert.equal(plain.item.links, undefined);
    const inSession = await a.giveBody({ id, payload, pid: PID, assignees: [ANNA], uid: SARA, keys: sara, due: null, bundleFor, session: 'AbCdEfGhIjKlMnOpQrStUv' });
    assert.deepEqual(inSession.item.links, { session: 'AbCdEfGhIjKlMnOpQrStUv' });
    assert.equal(inSession.due_at, null);
  });

  test('a changed key stops the give', async () => {
    const refuse = async () => {
      const err = new Error('fingerprint_changed');
      err.name = 'PinError';
      throw err;
    };
    await assert.rejects(a.giveBody({ id: crypto.randomUUID(), payload: {}, pid: PID, assignees: [ANNA], uid: SARA, keys: sara, due: null, bundleFor: refuse }), { name: 'PinError' });
  });

  test('an answer is its author\'s alone unless shared with the supervisor', async () => {
    const id = crypto.randomUUID();
    const dek = newDek();
    const args = { id, rev: 1, dek, text: 'VASTAUS', assignment: crypto.randomUUID(), pid: PID, supervisor: SARA, uid: ANNA, keys: anna, bundleFor };
    const mine = await a.responseBody({ ...args, share: false });
    assert.equal(mine.kind, 'response');
    assert.deepEqual(mine.links, { parent: args.assignment });
    assert.deepEqual(mine.envelopes.map((e) => [e.recipient, e.type]), [[ANNA, 'ak']]);
    assert.ok(!JSON.stringify(mine).includes('VASTAUS'));
    const shared = await a.responseBody({ ...args, rev: 2, share: true, owner: mine.envelopes[0] });
    assert.deepEqual(shared.envelopes.map((e) => [e.recipient, e.type]), [[ANNA, 'ak'], [SARA, 'x25519']]);
    assert.equal(shared.envelopes[0], mine.envelopes[0]);
    const opened = await openShareEnvelope(sara.x25519, shared.envelopes[1], id, SARA, sara.x25519Public);
    const wire = { id, kind: 'response', author: ANNA, rev: 2, sealed: shared.sealed, sig: shared.sig };
    assert.equal(a.answerText(await openItem({ item: wire, dek: opened, authorEd25519: anna.edPub })), 'VASTAUS');
  });

  test('a template is sealed for its author alone', async () => {
    const id = crypto.randomUUID();
    const payload = a.assignmentPayload(WORDS);
    const body = await a.templateBody({ id, payload, uid: SARA, keys: sara });
    assert.equal(body.kind, 'template');
    assert.deepEqual(body.envelopes.map((e) => [e.recipient, e.type]), [[SARA, 'ak']]);
    assert.equal(body.process, undefined);
    const dek = await openOwnerEnvelope(sara.ak, body.envelopes[0], id, SARA);
    const wire = { id, kind: 'template', author: SARA, rev: 1, sealed: body.sealed, sig: body.sig };
    assert.deepEqual(await openItem({ item: wire, dek, authorEd25519: sara.edPub }), payload);
  });

  test('due times between the input and RFC 3339', () => {
    assert.equal(a.dueFromInput(''), null);
    assert.equal(a.dueFromInput('nope'), null);
    const iso = a.dueFromInput('2030-03-04T05:06');
    assert.equal(a.localInputValue(iso), '2030-03-04T05:06');
    assert.equal(a.localInputValue(''), '');
  });
});
