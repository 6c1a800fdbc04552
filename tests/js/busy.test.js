// The add and move session forms' double-booking check (webapp/static/js/busy.js): which of
// the supervisor's other sessions a new time overlaps.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { overlapsOf } from '../../webapp/static/js/busy.js';

const at = (iso) => new Date(iso);
const BUSY = [
  ['2026-12-10T14:00:00+00:00', '2026-12-10T15:30:00+00:00'],
  ['2026-12-10T08:00:00+00:00', '2026-12-10T09:00:00+00:00'],
  ['2026-12-11T08:00:00+00:00', '2026-12-11T09:00:00+00:00'],
];

test('a time inside, across the start or across the end of a session overlaps it', () => {
  for (const [start, end] of [
    ['2026-12-10T14:30:00Z', '2026-12-10T15:00:00Z'],
    ['2026-12-10T13:30:00Z', '2026-12-10T14:30:00Z'],
    ['2026-12-10T15:00:00Z', '2026-12-10T16:00:00Z'],
    ['2026-12-10T13:00:00Z', '2026-12-10T17:00:00Z'],
  ]) {
    const found = overlapsOf(BUSY, at(start), at(end));
    assert.deepEqual(found.map(([from]) => from.toISOString()), ['2026-12-10T14:00:00.000Z'], `${start}–${end}`);
  }
});

test('touching ends do not overlap, and nothing else does', () => {
  assert.deepEqual(overlapsOf(BUSY, at('2026-12-10T15:30:00Z'), at('2026-12-10T16:30:00Z')), []);
  assert.deepEqual(overlapsOf(BUSY, at('2026-12-10T13:00:00Z'), at('2026-12-10T14:00:00Z')), []);
  assert.deepEqual(overlapsOf(BUSY, at('2026-12-12T08:00:00Z'), at('2026-12-12T09:00:00Z')), []);
});

test('several are found, soonest first', () => {
  const found = overlapsOf(BUSY, at('2026-12-10T08:30:00Z'), at('2026-12-10T14:30:00Z'));
  assert.deepEqual(found.map(([from, to]) => [from.toISOString(), to.toISOString()]), [
    ['2026-12-10T08:00:00.000Z', '2026-12-10T09:00:00.000Z'],
    ['2026-12-10T14:00:00.000Z', '2026-12-10T15:30:00.000Z'],
  ]);
});

test('bad input finds nothing and does not throw', () => {
  const start = at('2026-12-10T14:30:00Z');
  const end = at('2026-12-10T15:00:00Z');
  assert.deepEqual(overlapsOf(null, start, end), []);
  assert.deepEqual(overlapsOf('x', start, end), []);
  assert.deepEqual(overlapsOf([['nope', 'never'], [1], 'x', null], start, end), []);
  assert.deepEqual(overlapsOf(BUSY, end, start), [], 'an end before the start');
  assert.deepEqual(overlapsOf(BUSY, start, start), [], 'no length');
});
