// zone.js: the person's time zone from <meta name="valitila-zone">, for the times scripts
// write; none, or one this runtime does not know, leaves the device's own (undefined).
// Run: node --test tests/js/*.test.js
import assert from 'node:assert/strict';
import { test } from 'node:test';

let content = null;
globalThis.document = {
  querySelector: (selector) => (selector === 'meta[name="valitila-zone"]' && content !== null ? { getAttribute: () => content } : null),
};
/** A fresh copy of the module (it reads the tag once per page). */
const load = async () => (await import(`../../webapp/static/js/zone.js?${Math.random()}`)).timeZone;

test('the signed-in person\'s zone, read once', async () => {
  content = 'Europe/Stockholm';
  const timeZone = await load();
  assert.equal(timeZone(), 'Europe/Stockholm');
  content = 'Asia/Tokyo';
  assert.equal(timeZone(), 'Europe/Stockholm');
  const nine = new Date('2027-06-01T09:00:00Z');
  assert.equal(new Intl.DateTimeFormat('fi', { timeStyle: 'short', timeZone: timeZone() }).format(nine), '11.00');
});

test('no tag, an empty one or an unknown zone: the device\'s zone', async () => {
  for (const value of [null, '', 'Mars/Olympus', '../etc']) {
    content = value;
    assert.equal((await load())(), undefined, String(value));
  }
});

test('a wall-clock time in a zone and back, as the server reads a local time', async () => {
  content = null;
  const { fromWallClock, wallClockValue } = await import(`../../webapp/static/js/zone.js?${Math.random()}`);
  const H = 'Europe/Helsinki';
  assert.equal(fromWallClock('2026-12-20T12:00', H).toISOString(), '2026-12-20T10:00:00.000Z');
  assert.equal(fromWallClock('2027-06-01T12:00', H).toISOString(), '2027-06-01T09:00:00.000Z');
  assert.equal(fromWallClock('2026-12-20T12:00', 'America/New_York').toISOString(), '2026-12-20T17:00:00.000Z');
  assert.equal(wallClockValue(new Date('2026-12-20T10:00:00Z'), H), '2026-12-20T12:00');
  // 03:30 on 28 March 2027 does not exist in Helsinki: the offset before the change (+2),
  // 04:30 on the wall clock (services/schedule.local_start does the same)
  assert.equal(fromWallClock('2027-03-28T03:30', H).toISOString(), '2027-03-28T01:30:00.000Z');
  // 03:30 on 31 October 2027 happens twice: the first one (+3)
  assert.equal(fromWallClock('2027-10-31T03:30', H).toISOString(), '2027-10-31T00:30:00.000Z');
  for (const bad of ['', 'nope', '2027-13-01T10:00', '2027-01-01 10:00']) assert.equal(fromWallClock(bad, H), null, bad);
  assert.equal(wallClockValue(new Date('x'), H), '');
});
