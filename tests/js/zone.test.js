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
