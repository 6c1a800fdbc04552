// Goal check-ins in the browser: the trend chart (webapp/static/js/chart.js: the geometry, the
// figures of its description, the SVG it builds: role="img", named and described, each value
// written next to its point) and the sealing of check-ins and topics
// (webapp/static/js/checkins.js) with real keys: the owner's envelope always, the
// supervisor's only when asked, the value and note nowhere in plaintext; and the sharing
// switch's call.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { fakeServer, freshIndexedDb } from './support/fake-server.js';

const chart = await import('../../webapp/static/js/chart.js');
const checkins = await import('../../webapp/static/js/checkins.js');
const { importAesKey } = await import('../../webapp/static/js/crypto/aead.js');
const { b64uEncode } = await import('../../webapp/static/js/crypto/encoding.js');
const { newDek, openItem, openOwnerEnvelope, openShareEnvelope } = await import('../../webapp/static/js/crypto/envelope.js');
const api = await import('../../webapp/static/js/api.js');

const VILMA = '11111111-1111-4111-8111-111111111111';
const SARA = '22222222-2222-4222-8222-222222222222';
const PID = '44444444-4444-4444-8444-444444444444';
const GOAL = '55555555-5555-4555-8555-555555555555';

const day = (n) => new Date(Date.UTC(2026, 11, n, 9));

describe('chart.js', () => {
  test('points are cleaned and ordered by time; bad values are left out', () => {
    const points = chart.cleanPoints([
      { at: day(3), value: 7 }, { at: day(1), value: 4 }, { at: 'not a date', value: 5 },
      { at: day(2), value: 11 }, { at: day(2), value: 2.5 }, { at: day(2).toISOString(), value: 0 },
    ]);
    assert.deepEqual(points.map((p) => p.value), [4, 0, 7]);
  });

  test('the model spaces points evenly and puts 0 at the bottom, 10 at the top', () => {
    const model = chart.trendModel([{ at: day(1), value: 0 }, { at: day(2), value: 5 }, { at: day(9), value: 10 }], { width: 320, height: 180, pad: 28 });
    assert.deepEqual(model.dots.map((d) => d.x), [28, 167, 306]);
    assert.equal(model.dots[0].y, model.bottom);
    assert.equal(model.dots[2].y, model.top);
    assert.equal(model.dots[1].y, (model.top + model.bottom) / 2);
    assert.equal(model.path, `M28 ${model.bottom} L167 ${model.dots[1].y} L306 ${model.top}`);
    assert.deepEqual(model.ticks.map((t) => t.value), [0, 5, 10]);
    const one = chart.trendModel([{ at: day(1), value: 3 }]);
    assert.equal(one.dots.length, 1);
    assert.equal(one.dots[0].x, (one.left + one.right) / 2);
  });

  test('the summary tells count, first, latest, change, lowest and highest', () => {
    assert.equal(chart.trendSummary([]), null);
    const s = chart.trendSummary([{ at: day(5), value: 6 }, { at: day(1), value: 3 }, { at: day(3), value: 2 }]);
    assert.deepEqual({ ...s, from: s.from.getUTCDate(), to: s.to.getUTCDate() }, { count: 3, first: 3, last: 6, change: 3, min: 2, max: 6, from: 1, to: 5 });
  });

  test('the SVG is an image with a title and a description, and every value as text', () => {
    const doc = fakeDocument();
    const model = chart.trendModel([{ at: day(1), value: 3 }, { at: day(2), value: 8 }]);
    const svg = chart.drawTrend(doc, model, { id: 'c1', title: 'Check-ins', description: '2 check-ins: 3 → 8' });
    assert.equal(svg.name, 'svg');
    assert.equal(svg.attrs.role, 'img');
    assert.equal(svg.attrs['aria-labelledby'], 'c1-title');
    assert.equal(svg.attrs['aria-describedby'], 'c1-desc');
    const title = find(svg, (n) => n.name === 'title')[0];
    const desc = find(svg, (n) => n.name === 'desc')[0];
    assert.equal(title.attrs.id, 'c1-title');
    assert.equal(title.textContent, 'Check-ins');
    assert.equal(desc.attrs.id, 'c1-desc');
    assert.equal(desc.textContent, '2 check-ins: 3 → 8');
    const values = find(svg, (n) => n.attrs.class === 'trend-value').map((n) => n.textContent);
    assert.deepEqual(values, ['3', '8']);
    assert.equal(find(svg, (n) => n.name === 'circle').length, 2);
    assert.equal(find(svg, (n) => n.name === 'path').length, 1);
    // One point: no line, still its dot and value.
    const lone = chart.drawTrend(doc, chart.trendModel([{ at: day(1), value: 5 }]), { id: 'c2', title: 't', description: 'd' });
    assert.equal(find(lone, (n) => n.name === 'path').length, 0);
    assert.deepEqual(find(lone, (n) => n.attrs.class === 'trend-value').map((n) => n.textContent), ['5']);
  });
});

/** A document that records what createElementNS made (enough for drawTrend). */
function fakeDocument() {
  return {
    createElementNS(ns, name) {
      assert.equal(ns, 'http://www.w3.org/2000/svg');
      const node = {
        name, attrs: {}, children: [], textContent: '',
        setAttribute(key, value) { node.attrs[key] = value; },
        append(...kids) { node.children.push(...kids); },
      };
      return node;
    },
  };
}

function find(node, pred) {
  return [...(pred(node) ? [node] : []), ...node.children.flatMap((kid) => find(kid, pred))];
}

async function identity() {
  const x = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits']);
  const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  return {
    x25519: x.privateKey,
    x25519Public: new Uint8Array(await crypto.subtle.exportKey('raw', x.publicKey)),
    ed25519: ed.privateKey,
    edPublic: new Uint8Array(await crypto.subtle.exportKey('raw', ed.publicKey)),
  };
}

describe('checkins.js', () => {
  test('a check-in is sealed for its author, and for the supervisor only when shared', async () => {
    const vilma = await identity();
    const sara = await identity();
    const ak = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
    const keys = { ak, ed25519: vilma.ed25519 };
    const bundleFor = async (uid) => {
      assert.equal(uid, SARA);
      return { x25519: b64uEncode(sara.x25519Public) };
    };
    const payload = checkins.checkinPayload(7, '  Yksi askel ylös: MARKER-NOTE  ');
    assert.deepEqual(payload, { value: 7, note: 'Yksi askel ylös: MARKER-NOTE' });
    for (const shared of [false, true]) {
      const id = crypto.randomUUID();
      const dek = newDek();
      const body = await checkins.processItemBody({
        id, kind: 'checkin', rev: 1, payload, dek, pid: PID, links: { goal: GOAL }, uid: VILMA, keys,
        readers: shared ? [SARA] : [], bundleFor,
      });
      assert.equal(body.kind, 'checkin');
      assert.equal(body.process, PID);
      assert.deepEqual(body.links, { goal: GOAL });
      assert.ok(!JSON.stringify(body).includes('MARKER-NOTE'));
      assert.deepEqual(body.envelopes.map((e) => [e.recipient, e.type]), shared ? [[VILMA, 'ak'], [SARA, 'x25519']] : [[VILMA, 'ak']]);
      const item = { id, kind: 'checkin', rev: 1, author: VILMA, sealed: body.sealed, sig: body.sig };
      const own = await openOwnerEnvelope(ak, body.envelopes[0], id, VILMA);
      const opened = await openItem({ item, dek: own, authorEd25519: vilma.edPublic });
      assert.equal(checkins.checkinValue(opened), 7);
      assert.equal(checkins.noteOf(opened), 'Yksi askel ylös: MARKER-NOTE');
      if (shared) {
        const theirs = await openShareEnvelope(sara.x25519, body.envelopes[1], id, SARA, sara.x25519Public);
        assert.deepEqual(await openItem({ item, dek: theirs, authorEd25519: vilma.edPublic }), opened);
      }
    }
  });

  test('a topic goes to the supervisor; a changed key stops it before anything is sealed', async () => {
    const vilma = await identity();
    const sara = await identity();
    const ak = await importAesKey(crypto.getRandomValues(new Uint8Array(32)));
    const keys = { ak, ed25519: vilma.ed25519 };
    const id = crypto.randomUUID();
    const body = await checkins.processItemBody({
      id, kind: 'topic', rev: 1, payload: { text: 'Työnjako' }, dek: newDek(), pid: PID, links: { session: 'AbCdEfGhIjKlMnOpQrStUv' },
      uid: VILMA, keys, readers: [SARA], bundleFor: async () => ({ x25519: b64uEncode(sara.x25519Public) }),
    });
    assert.deepEqual(body.envelopes.map((e) => e.recipient), [VILMA, SARA]);
    assert.deepEqual(body.links, { session: 'AbCdEfGhIjKlMnOpQrStUv' });
    const changed = Object.assign(new Error('changed'), { name: 'PinError' });
    await assert.rejects(
      checkins.processItemBody({
        id, kind: 'topic', rev: 1, payload: { text: 'x' }, dek: newDek(), pid: PID, links: null, uid: VILMA, keys, readers: [SARA],
        bundleFor: async () => { throw changed; },
      }),
      (err) => err === changed,
    );
    // an edit (rev 2) carries no envelopes: the readers stay as they are
    const edit = await checkins.processItemBody({
      id, kind: 'topic', rev: 2, payload: { text: 'y' }, dek: newDek(), pid: PID, links: null, uid: VILMA, keys, readers: [SARA],
      bundleFor: async () => assert.fail('no envelopes for an edit'),
    });
    assert.equal(edit.envelopes, undefined);
  });

  test('values from untrusted payloads', () => {
    assert.equal(checkins.checkinValue({ value: 0 }), 0);
    assert.equal(checkins.checkinValue({ value: 10 }), 10);
    for (const bad of [{ value: 11 }, { value: -1 }, { value: '5' }, { value: 2.5 }, null, {}]) assert.equal(checkins.checkinValue(bad), null);
    assert.equal(checkins.noteOf({ note: 5 }), '');
    assert.equal(checkins.topicText({ text: 'a' }), 'a');
    assert.throws(() => checkins.checkinPayload(11, ''), RangeError);
  });

  test('the sharing switch: PUT the choice; nothing to rotate when nothing was revoked', async () => {
    await freshIndexedDb();
    api.setCsrfToken('t');
    const seen = fakeServer((req) => ({ status: 200, body: { goal: GOAL, shared: req.body.shared, revoked: [] } }));
    const answer = await checkins.setCheckinSharing({ pid: PID, goal: GOAL, shared: true }, { keys: {}, uid: VILMA });
    assert.deepEqual(answer, { shared: true, revoked: [] });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].method, 'PUT');
    assert.equal(seen[0].path, `/processes/${PID}/goals/${GOAL}/checkin-sharing`);
    assert.deepEqual(seen[0].body, { shared: true });
  });
});
