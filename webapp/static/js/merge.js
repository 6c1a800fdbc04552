// Merging two versions of a sealed payload when the user chooses "merge and edit" after a
// conflict: nothing of either is dropped. Pure (no DOM, no storage), unit-tested.
import { uniqueTags } from './tags.js';

/**
 * A decrypted payload (untrusted: check each field's type before use).
 * @typedef {{title?: string, body?: string, tags?: string[]} & Record<string, unknown>} Payload
 */

/**
 * Both versions in one: equal fields stay as they are; different titles are joined with
 * " / ", different bodies are kept one after the other with a separator; tags are the union
 * (mine first, a tag in another case once: tags.js uniqueTags). Other fields come from mine.
 * @param {Payload} mine
 * @param {Payload} theirs
 * @returns {Payload}
 */
export function mergePayloads(mine, theirs) {
  const myTitle = mine.title || '';
  const theirTitle = theirs.title || '';
  const title = myTitle === theirTitle || !theirTitle ? myTitle : myTitle ? `${myTitle} / ${theirTitle}` : theirTitle;
  const myBody = mine.body || '';
  const theirBody = theirs.body || '';
  const body = myBody === theirBody || !theirBody ? myBody : myBody ? `${myBody}\n\n— — —\n\n${theirBody}` : theirBody;
  const tags = uniqueTags([...(mine.tags || []), ...(theirs.tags || [])]);
  return { ...mine, title, body, tags };
}
