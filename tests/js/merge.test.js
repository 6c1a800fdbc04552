// "Merge and edit" after a conflict (webapp/static/js/merge.js): nothing of either version
// is dropped.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mergePayloads } from '../../webapp/static/js/merge.js';

test('equal versions merge to themselves', () => {
  const same = { title: 'T', body: 'B', tags: ['a'] };
  assert.deepEqual(mergePayloads(same, { ...same }), same);
});

test('different titles and bodies are both kept, mine first', () => {
  const merged = mergePayloads({ title: 'Mine', body: 'my text', tags: ['a', 'b'] }, { title: 'Theirs', body: 'their text', tags: ['b', 'c'] });
  assert.equal(merged.title, 'Mine / Theirs');
  assert.equal(merged.body, 'my text\n\n— — —\n\ntheir text');
  assert.deepEqual(merged.tags, ['a', 'b', 'c']);
  // the same tag in another case is one tag (mine's spelling)
  assert.deepEqual(mergePayloads({ tags: ['Tiimi', 'työ'] }, { tags: ['TIIMI', 'Työ', 'uusi'] }).tags, ['Tiimi', 'työ', 'uusi']);
});

test('an empty side adds nothing and takes nothing away', () => {
  assert.deepEqual(mergePayloads({ title: '', body: '' }, { title: 'T', body: 'B' }), { title: 'T', body: 'B', tags: [] });
  assert.deepEqual(mergePayloads({ title: 'T', body: 'B' }, { title: '', body: '' }), { title: 'T', body: 'B', tags: [] });
  assert.deepEqual(mergePayloads({}, {}), { title: '', body: '', tags: [] });
});

test('every word of both bodies is in the merge', () => {
  const mine = { body: 'one two three' };
  const theirs = { body: 'four five' };
  const merged = mergePayloads(mine, theirs).body;
  for (const word of [...mine.body.split(' '), ...theirs.body.split(' ')]) assert.ok(merged.includes(word), word);
});
