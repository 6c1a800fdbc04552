// Full-text search of the journal on this device, for the journal-search behaviour:
// MiniSearch (vendor/minisearch.mjs) over the entries opened in memory, with the Snowball
// stemmer of the user's language (vendor/stemmers/*.mjs, from @orama/stemmers). Nothing here
// touches the network or storage; the index lives as long as the page and holds the
// decrypted words only in memory.
//
// How a word is found (a Finnish journal is full of compounds and inflected forms):
//   1. Stemming: every word is indexed as written (lower case) and as its stem, and every
//      query word is looked up as written and as its stem, so "raportti" finds "raporttien"
//      (both stem to "raport"), and sv "rapport" finds "rapporterna".
//   2. Prefix matching: each query word matches the start of an indexed word or stem, so a
//      half-typed "asiakasrap" already finds "asiakasraportin" (a query stem shorter than 5
//      letters matches only whole stems: "kassa" → "kas" must not find "kasvu"). For stems of 6 letters or
//      more the stem without its last letter is tried too (lower score): Finnish stem
//      alternation leaves "kokous" → "kokous" but "kokouksessa" → "kokouks", and the
//      stemmer cannot join them; "kokou" prefixes both.
//   3. Compounds (infix matching): stemming does not split "asiakas|raportti". Without a
//      dictionary the split points are unknown, so every indexed word and stem of 7 letters
//      or more is also indexed by its inner suffixes, each marked with INNER so it never
//      matches an ordinary lookup: "asiakasraport" gives ~akasraport, ~kasraport, …, ~raport,
//      ~aport, ~port. A query word of 4 letters or more also looks up "~" + its forms as a
//      prefix, so "raportti" (stem "raport") finds ~raport in "asiakasraportin" and
//      "kokous" finds ~kokouks in "asiakaskokouksessa". Suffixes start after the first 3
//      letters (the shortest first part of a Finnish compound, "työ|paikka") and keep at
//      least 4 (MIN_INNER), so short query words like "ala" or "työ" only match word starts
//      (they would be inside far too many unrelated words), and inner matches score lower
//      than whole-word ones. The price is that a long enough query word also matches inside
//      an unrelated word ("port" inside "asiakasraport"); with a personal journal of a few
//      hundred entries, finding a little too much is better than missing "asiakasraportin".
//   4. Every query word must match (AND); title and tags weigh more than the body.
import MiniSearch from '../vendor/minisearch.mjs';
import { fold, tagsOf } from './tags.js';

/** Marks an inner-suffix term; not a letter, so no written word starts with it. */
export const INNER = '~';
/** Shortest query word (and shortest indexed suffix) used for matching inside compounds. */
export const MIN_INNER = 4;
/** Letters that stay in front of an inner suffix (the shortest first part of a compound). */
const MIN_HEAD = 3;
/** Stems this long are also looked up without their last letter. */
const MIN_TRUNCATE = 6;
/** Stems this long match as a prefix too (shorter ones only as a whole stem). */
const MIN_PREFIX = 5;

const STEMMERS = {
  fi: () => import('../vendor/stemmers/finnish.mjs'),
  sv: () => import('../vendor/stemmers/swedish.mjs'),
  en: () => import('../vendor/stemmers/english.mjs'),
};

/** @typedef {(word: string) => string} Stemmer */
/** @typedef {{id: string, title?: unknown, body?: unknown, tags?: unknown}} SearchDoc */

/**
 * The Snowball stemmer of a language ("fi", "sv", "en" or a BCP 47 tag such as "sv-FI");
 * Finnish when the language has none here.
 * @param {string} lang
 * @returns {Promise<Stemmer>}
 */
export async function loadStemmer(lang) {
  const base = String(lang || 'fi').toLowerCase().split('-')[0];
  const { stemmer } = await (STEMMERS[base] || STEMMERS.fi)();
  return stemmer;
}

const tokenize = MiniSearch.getDefault('tokenize');

/**
 * The terms an indexed word is stored under: the word, its stem, and the inner suffixes
 * of both (marked with INNER).
 * @param {string} word
 * @param {Stemmer} stem
 */
export function indexTerms(word, stem) {
  const written = fold(word);
  if (!written) return [];
  const terms = new Set([written, stem(written)]);
  for (const base of [...terms]) {
    for (let i = MIN_HEAD; i <= base.length - MIN_INNER; i++) terms.add(INNER + base.slice(i));
  }
  return [...terms];
}

/**
 * The forms a query word is looked up by: [term, {weight, prefix}] pairs. The written word
 * always matches as a prefix (it may be half-typed); a stem only when it has MIN_PREFIX
 * letters or more: a short stem is mostly cut off ("kassa" → "kas", sv "rappa" → "rapp") and
 * as a prefix it would match unrelated words ("kasvu", "rapport").
 * @param {string} word
 * @param {Stemmer} stem
 * @returns {Array<[string, {weight: number, prefix: boolean}]>}
 */
export function queryTerms(word, stem) {
  const written = fold(word);
  const stemmed = stem(written);
  /** @type {Map<string, {weight: number, prefix: boolean}>} */
  const forms = new Map([[written, { weight: 1, prefix: true }]]);
  if (!forms.has(stemmed)) forms.set(stemmed, { weight: 1, prefix: stemmed.length >= MIN_PREFIX });
  const shortened = stemmed.slice(0, -1);
  if (stemmed.length >= MIN_TRUNCATE && !forms.has(shortened)) forms.set(shortened, { weight: 0.7, prefix: true });
  for (const [form, { weight, prefix }] of [...forms]) {
    if (form.length >= MIN_INNER) forms.set(INNER + form, { weight: weight * 0.5, prefix });
  }
  return [...forms];
}

/**
 * An index of opened journal entries. `search(query)` returns the ids of the entries that
 * match every word of the query, best first.
 * @param {SearchDoc[]} docs
 * @param {Stemmer} stem
 */
export function createIndex(docs, stem) {
  const index = new MiniSearch({
    fields: ['title', 'body', 'tags'],
    extractField: (doc, field) => {
      if (field === 'tags') return tagsOf(doc).join(' ');
      const value = doc[field];
      return typeof value === 'string' ? value : '';
    },
    processTerm: (term) => indexTerms(term, stem),
  });
  index.addAll(docs.filter((doc) => doc && typeof doc.id === 'string'));

  /** @param {string} query @returns {string[]} */
  function search(query) {
    const words = tokenize(String(query || '')).filter(Boolean);
    if (!words.length) return [];
    const queries = words.map((word) => {
      const forms = new Map(queryTerms(word, stem));
      return {
        combineWith: 'OR',
        queries: [...forms.keys()],
        prefix: (term) => forms.get(term)?.prefix ?? false,
        boostTerm: (term) => forms.get(term)?.weight ?? 1,
      };
    });
    const results = index.search(
      { combineWith: 'AND', queries },
      {
        boost: { title: 2, tags: 1.5 },
        // The query tree is already made of final terms.
        tokenize: (term) => [term],
        processTerm: (term) => term,
      },
    );
    return results.map((result) => String(result.id));
  }

  return { search, size: index.documentCount };
}
