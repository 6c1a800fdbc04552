// i18n.js: t() reads the strings the server rendered into <body data-i18n>; tn() picks the
// `_one` or `_other` form for a count (webapp/i18n.py JS_PLURALS). Run: node --test tests/js/*.test.js
import assert from 'node:assert/strict';
import { test } from 'node:test';

globalThis.document = {
  body: {
    dataset: {
      i18n: JSON.stringify({
        saved: 'Tallennettu',
        waitingChanges_one: '{n} muutos odottaa lähetystä',
        waitingChanges_other: '{n} muutosta odottaa lähetystä',
      }),
    },
  },
};
const { t, tn } = await import('../../webapp/static/js/i18n.js');

test('t returns the translated string, or the key when missing', () => {
  assert.equal(t('saved'), 'Tallennettu');
  assert.equal(t('nope'), 'nope');
});

test('tn uses the singular form for exactly one', () => {
  assert.equal(tn('waitingChanges', 1), '1 muutos odottaa lähetystä');
});

test('tn uses the plural form for zero and for more than one', () => {
  assert.equal(tn('waitingChanges', 0), '0 muutosta odottaa lähetystä');
  assert.equal(tn('waitingChanges', 2), '2 muutosta odottaa lähetystä');
  assert.equal(tn('waitingChanges', 21), '21 muutosta odottaa lähetystä');
});
