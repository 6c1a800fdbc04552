// The session agenda's pure logic (webapp/static/js/agendas.js): time-boxing, moving lines,
// the sealed payload and the structure's body, the titles of gathered items (a check-in's
// change from the previous one), and the checklist's ticks kept on the device while offline.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

const agendas = await import('../../webapp/static/js/agendas.js');

const line = (id, minutes, extra = {}) => ({ id, source: 'own', source_id: null, minutes, done: false, title: `t${id}`, note: '', ...extra });

describe('agendas.js', () => {
  test('minutes are whole numbers 0–480; the total is against the session length', () => {
    assert.deepEqual([5, '12', '', 'x', -3, 481, 7.9].map(agendas.cleanMinutes), [5, 12, 0, 0, 0, 480, 7]);
    assert.deepEqual(agendas.timebox([line('a', 20), line('b', 25)], 60), { total: 45, length: 60, left: 15, over: false });
    assert.deepEqual(agendas.timebox([line('a', 40), line('b', 25)], 60), { total: 65, length: 60, left: -5, over: true });
    assert.deepEqual(agendas.timebox([], 90), { total: 0, length: 90, left: 90, over: false });
  });

  test('a line moves up or down one place, never out of the list', () => {
    const lines = ['a', 'b', 'c'];
    assert.deepEqual(agendas.moveLine(lines, 2, -1), ['a', 'c', 'b']);
    assert.deepEqual(agendas.moveLine(lines, 0, 1), ['b', 'a', 'c']);
    assert.equal(agendas.moveLine(lines, 0, -1), lines);
    assert.equal(agendas.moveLine(lines, 2, 1), lines);
    assert.deepEqual(lines, ['a', 'b', 'c']); // not changed in place
  });

  test('the sealed payload names each line; opened payloads are checked', () => {
    const payload = agendas.agendaPayload([line('a', 5, { title: 'Aloitus', note: 'n' }), line('b', 5)]);
    assert.deepEqual(payload, { lines: { a: { title: 'Aloitus', note: 'n' }, b: { title: 'tb', note: '' } } });
    const words = agendas.agendaWords(payload);
    assert.equal(words.get('a')?.title, 'Aloitus');
    assert.equal(agendas.agendaWords({ lines: [] }).size, 0);
    assert.equal(agendas.agendaWords(null).size, 0);
    assert.deepEqual(agendas.agendaWords({ lines: { x: { title: 5 } } }).get('x'), { title: '', note: '' });
  });

  test('the structure in order, without the words', () => {
    const body = agendas.structureBody(3, 'item', [line('a', '15', { done: 1 }), line('b', 10, { source: 'topic', source_id: 't' })]);
    assert.deepEqual(body, {
      version: 3,
      item: 'item',
      lines: [
        { id: 'a', source: 'own', source_id: null, minutes: 15, done: true },
        { id: 'b', source: 'topic', source_id: 't', minutes: 10, done: false },
      ],
    });
    assert.ok(!JSON.stringify(body).includes('ta'));
  });

  test('titles of gathered items; a check-in shows its change from the previous one', () => {
    assert.equal(agendas.candidateTitle('topic', { text: '  Työkuorma\n kasvaa ' }), 'Työkuorma kasvaa');
    assert.equal(agendas.candidateTitle('response', { body: 'Vastaus' }), 'Vastaus');
    assert.equal(agendas.candidateTitle('entry', { title: '', body: 'Runko' }), 'Runko');
    assert.equal(agendas.candidateTitle('checkin', { value: 7, note: 'parempi' }, { previous: 4, checkinLabel: 'Check-in' }), 'Check-in 7/10 (+3): parempi');
    assert.equal(agendas.candidateTitle('checkin', { value: 3 }, { previous: 3 }), '3/10 (±0)');
    assert.equal(agendas.candidateTitle('checkin', { value: 11 }), '–/10');
    assert.equal(agendas.checkinChange(2, 5), '−3');
    assert.equal(agendas.checkinChange(2, null), '');
    assert.equal(agendas.oneLine('x'.repeat(200), 10), `${'x'.repeat(9)}…`);
    const previous = agendas.previousValues([
      { id: 'new', author: 'v', goal: 'g', at: '2026-12-03', value: 6 },
      { id: 'old', author: 'v', goal: 'g', at: '2026-11-01', value: 4 },
      { id: 'other', author: 'w', goal: 'g', at: '2026-12-02', value: 9 },
    ]);
    assert.equal(previous.get('new'), 4);
    assert.equal(previous.get('old'), null);
    assert.equal(previous.get('other'), null);
    // The same check-in among the gathered and the earlier ones is not its own predecessor.
    const twice = { id: 'x', author: 'v', goal: 'g', at: '2026-11-20', value: 5 };
    const dup = agendas.previousValues([twice, { id: 'y', author: 'v', goal: 'g', at: '2026-11-01', value: 3 }, { ...twice }]);
    assert.equal(dup.get('x'), 3);
  });
});

describe('words of carried lines', () => {
  const earlier = { id: 'A', payload: { lines: { a1: { title: 'Rajat', note: 'x' }, a2: { title: 'Palaute', note: '' } } } };
  const other = { id: 'B', payload: { lines: { b1: { title: 'Jaksaminen', note: '' } } } };

  test('under the line the answer names, else the line it continues; each agenda opened once', async () => {
    const opened = [];
    const open = async (item) => {
      opened.push(item.id);
      return item.payload;
    };
    const data = {
      lines: [
        { id: 'c1', carried_from: 'x1' }, // carried from an unsaved agenda: words two steps back
        { id: 'c2', carried_from: 'a2' },
        { id: 'c3', carried_from: 'b1' },
        { id: 'c4', carried_from: 'gone' },
        { id: 'own', carried_from: null },
      ],
      carried: { c1: earlier, c2: earlier, c3: other, c4: other },
      carried_under: { c1: 'a1' },
    };
    const words = await agendas.carriedWords(data, open);
    assert.deepEqual(Object.fromEntries(words), {
      c1: { title: 'Rajat', note: 'x' },
      c2: { title: 'Palaute', note: '' },
      c3: { title: 'Jaksaminen', note: '' },
    });
    assert.deepEqual(opened.sort(), ['A', 'B']);
  });

  test('an agenda that cannot be opened leaves its lines without words, not the others', async () => {
    const warn = console.warn;
    console.warn = () => {};
    try {
      const open = async (item) => {
        if (item.id === 'B') throw new Error('bad signature');
        return item.payload;
      };
      const data = { lines: [{ id: 'c1', carried_from: 'a1' }, { id: 'c2', carried_from: 'b1' }], carried: { c1: earlier, c2: other } };
      const words = await agendas.carriedWords(data, open);
      assert.deepEqual([...words.keys()], ['c1']);
      assert.equal((await agendas.carriedWords({}, open)).size, 0);
    } finally {
      console.warn = warn;
    }
  });
});

describe('checklist ticks kept on the device', () => {
  test('one pending change per line, the later wins per field', () => {
    let queue = agendas.queueTick([], { line: 'a', done: true });
    queue = agendas.queueTick(queue, { line: 'b', used_minutes: 5 });
    queue = agendas.queueTick(queue, { line: 'a', used_minutes: 12 });
    queue = agendas.queueTick(queue, { line: 'a', done: false });
    assert.deepEqual(queue, [{ line: 'b', used_minutes: 5 }, { line: 'a', done: false, used_minutes: 12 }]);
    assert.deepEqual(agendas.tickBody(queue[1]), { line: 'a', done: false, used_minutes: 12 });
    assert.deepEqual(agendas.tickBody({ line: 'c', used_minutes: null }), { line: 'c', used_minutes: null });
  });

  test('stored per session in web storage, bad data ignored', () => {
    const store = new Map();
    const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
    agendas.storeTicks(storage, 's1', [{ line: 'a', done: true }]);
    assert.deepEqual(agendas.loadTicks(storage, 's1'), [{ line: 'a', done: true }]);
    assert.deepEqual(agendas.loadTicks(storage, 's2'), []);
    agendas.storeTicks(storage, 's1', []);
    assert.equal(store.size, 0);
    store.set(agendas.ticksKey('s3'), '{not json');
    assert.deepEqual(agendas.loadTicks(storage, 's3'), []);
    store.set(agendas.ticksKey('s4'), JSON.stringify([{ line: 5 }, { line: 'ok' }]));
    assert.deepEqual(agendas.loadTicks(storage, 's4'), [{ line: 'ok' }]);
  });

  test('sending stops at a network failure and keeps the rest; a refused tick is dropped', async () => {
    const ticks = [{ line: 'a', done: true }, { line: 'b', done: true }, { line: 'c', done: true }];
    const sent = [];
    const offlineAtB = async (tick) => {
      if (tick.line === 'b') throw Object.assign(new Error('offline'), { status: 0 });
      sent.push(tick.line);
    };
    assert.deepEqual(await agendas.flushTicks(ticks, offlineAtB), { left: ticks.slice(1), sent: 1, dropped: 0 });
    const refusedB = async (tick) => {
      if (tick.line === 'b') throw Object.assign(new Error('gone'), { status: 404 });
      sent.push(tick.line);
    };
    assert.deepEqual(await agendas.flushTicks(ticks, refusedB), { left: [], sent: 2, dropped: 1 });
    const busy = async () => {
      throw Object.assign(new Error('busy'), { status: 503 });
    };
    assert.equal((await agendas.flushTicks(ticks, busy)).left.length, 3);
  });
});
