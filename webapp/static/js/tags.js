// An entry's tags: the payload is untrusted JSON, so tags may be missing or of any type.
// A tag filter compares whole tags without regard to case ("Tiimi" is "tiimi", not "tiimityö").

/** Lower case in the Unicode composed form (an "ä" typed as a + ¨ equals "ä"). */
export const fold = (text) => String(text).normalize('NFC').toLowerCase();

/** The tags of a payload as clean, non-empty strings. */
export function tagsOf(payload) {
  const tags = Array.isArray(payload?.tags) ? payload.tags : [];
  return tags.map((tag) => String(tag).trim()).filter(Boolean);
}

/** Are these the same tag (case-insensitive, surrounding spaces ignored)? */
export function sameTag(a, b) {
  return fold(String(a).trim()) === fold(String(b).trim());
}

/** Does an entry carry this tag? */
export function hasTag(payload, tag) {
  return tagsOf(payload).some((own) => sameTag(own, tag));
}

/** `tags` trimmed, without empty ones and without repeats of the same tag in another case
 *  ("Työ, työ" is one tag): the first spelling is kept, in the order written. */
export function uniqueTags(tags) {
  const seen = new Set();
  const out = [];
  for (const tag of tags.map((t) => String(t).trim()).filter(Boolean)) {
    const key = fold(tag);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(tag);
  }
  return out;
}
