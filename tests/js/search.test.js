// The on-device journal search (webapp/static/js/search.js): Finnish and Swedish stemming,
// prefix and compound (infix) matching, and what must not match. Run: node --test tests/js/*.test.js
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createIndex, indexTerms, INNER, loadStemmer, queryTerms } from '../../webapp/static/js/search.js';
import { hasTag, sameTag, tagsOf, uniqueTags } from '../../webapp/static/js/tags.js';

const fi = await loadStemmer('fi');
const sv = await loadStemmer('sv');

const FINNISH = [
  { id: 'compound', title: 'Maanantai', body: 'Kirjoitin asiakasraportin illalla valmiiksi.' },
  { id: 'plural', title: 'Raportit', body: 'Raporttien kanssa meni koko päivä.' },
  { id: 'crab', title: 'Rapujuhlat', body: 'Söimme rapuja ja raparperipiirakkaa.' },
  { id: 'meeting', title: 'Kokous', body: 'Asiakaskokouksessa puhuttiin jaksamisesta.', tags: ['Tiimi', 'rajat'] },
  { id: 'cat', title: 'Kissa', body: 'Kaikkialla oli kissoja.' },
  { id: 'growth', title: 'Kasvu', body: 'Ammatillinen kasvu vie aikaa.' },
  { id: 'supervision', title: 'Työnohjaus', body: 'Työnohjauksessa mietimme esihenkilöiden roolia.' },
];

const SWEDISH = [
  { id: 'compound', title: 'Måndag', body: 'Jag skrev kundrapporten i kväll.' },
  { id: 'plural', title: 'Fredag', body: 'Alla rapporterna är klara.' },
  { id: 'export', title: 'Export', body: 'Exporten misslyckades igen.' },
  { id: 'meeting', title: 'Handledning', body: 'Arbetshandledningen var bra och teammötet drog ut.' },
];

const ids = (index, query) => index.search(query).sort();

describe('Finnish', () => {
  const index = createIndex(FINNISH, fi);

  test('"raportti" finds the compound "asiakasraportin" and the plural "raporttien"', () => {
    assert.deepEqual(ids(index, 'raportti'), ['compound', 'plural']);
  });

  test('an inflected query finds other forms of the word', () => {
    assert.deepEqual(ids(index, 'raporttien'), ['compound', 'plural']);
    assert.deepEqual(ids(index, 'kokouksessa'), ['meeting']);
    assert.deepEqual(ids(index, 'kokous'), ['meeting']); // kokous → kokouks (stem alternation) inside a compound
    assert.deepEqual(ids(index, 'työnohjaus'), ['supervision']);
    assert.deepEqual(ids(index, 'esihenkilö'), ['supervision']);
    assert.deepEqual(ids(index, 'jaksaminen'), ['meeting']);
  });

  test('a half-typed word matches by prefix, case does not matter', () => {
    assert.deepEqual(ids(index, 'asiakasrap'), ['compound']);
    assert.deepEqual(ids(index, 'RAPORTTI'), ['compound', 'plural']);
    assert.deepEqual(ids(index, 'rap'), ['crab', 'plural']); // short: word starts only
  });

  test('the known price of compound matching: a long enough word is found inside another', () => {
    assert.deepEqual(ids(index, 'portti'), ['compound'], 'asiakasra|portin');
  });

  test('every word of the query must match', () => {
    assert.deepEqual(ids(index, 'raportti illalla'), ['compound']);
    assert.deepEqual(ids(index, 'raportti kokous'), []);
  });

  test('tags are searched too', () => {
    assert.deepEqual(ids(index, 'tiimi'), ['meeting']);
  });

  test('what must NOT match', () => {
    assert.deepEqual(ids(index, 'rapotti'), [], 'a misspelt word is not a stem');
    assert.deepEqual(ids(index, 'raparperi').includes('plural'), false);
    assert.deepEqual(ids(index, 'raportti').includes('crab'), false, 'rapu/raparperi are not raportti');
    assert.deepEqual(ids(index, 'kassa'), [], 'kissa is not kassa, nor kasvu (the stem "kas" is no prefix)');
    assert.deepEqual(ids(index, 'kasvu'), ['growth']);
    assert.deepEqual(ids(index, 'ala'), [], 'a short word is not looked up inside "kaikkialla"');
    assert.deepEqual(ids(index, 'asiakasraportti').includes('plural'), false, 'the compound query needs the compound');
    assert.deepEqual(ids(index, 'portinvartija'), []);
  });

  test('the results come best first: a whole word before a compound part', () => {
    assert.deepEqual(index.search('raportti'), ['plural', 'compound']);
  });
});

describe('Swedish', () => {
  const index = createIndex(SWEDISH, sv);

  test('"rapport" finds "rapporterna" and the compound "kundrapporten"', () => {
    assert.deepEqual(ids(index, 'rapport'), ['compound', 'plural']);
    assert.deepEqual(ids(index, 'rapporten'), ['compound', 'plural']);
  });

  test('inflected forms and compounds', () => {
    assert.deepEqual(ids(index, 'handledning'), ['meeting']);
    assert.deepEqual(ids(index, 'mötet'), ['meeting']);
    assert.deepEqual(ids(index, 'möte'), ['meeting']);
  });

  test('what must NOT match', () => {
    assert.deepEqual(ids(index, 'rapport').includes('export'), false, 'export is not rapport');
    assert.deepEqual(ids(index, 'ort'), [], 'a short word is not looked up inside "rapport" or "export"');
    assert.deepEqual(ids(index, 'rappo'), ['compound', 'plural']);
    assert.deepEqual(ids(index, 'rappa'), []);
    assert.deepEqual(ids(index, 'rapport möte'), []);
    assert.deepEqual(ids(index, 'hund'), []);
  });
});

describe('language and terms', () => {
  test('the user\'s language picks the stemmer (a region tag too), Finnish by default', async () => {
    assert.equal((await loadStemmer('sv-FI'))('rapporterna'), sv('rapport'));
    assert.equal((await loadStemmer('fi'))('raporttien'), fi('raportti'));
    assert.equal(await loadStemmer('de'), fi);
    const en = await loadStemmer('en');
    assert.equal(en('reports'), en('report'));
  });

  test('inner suffixes are marked, start after 3 letters and keep at least 4', () => {
    const terms = indexTerms('asiakasraportin', fi);
    assert.ok(terms.includes('asiakasraportin') && terms.includes('asiakasraport'));
    assert.ok(terms.includes(`${INNER}raport`) && terms.includes(`${INNER}raportin`));
    assert.ok(!terms.includes(`${INNER}asiakasraport`), 'the whole word is not an inner suffix');
    assert.ok(!terms.includes(`${INNER}ort`) && !terms.includes(`${INNER}rt`));
    assert.deepEqual(indexTerms('talo', fi).filter((t) => t.startsWith(INNER)), []);
  });

  test('query terms: written form, stem, shortened long stem, inner lookups only from 4 letters', () => {
    const terms = new Map(queryTerms('Kokous', fi));
    assert.ok(terms.has('kokous') && terms.has('kokou') && terms.has(`${INNER}kokou`));
    assert.ok(terms.get(`${INNER}kokous`).weight < terms.get('kokous').weight);
    const short = new Map(queryTerms('kassa', fi));
    assert.deepEqual(short.get('kas'), { weight: 1, prefix: false }, 'a short stem matches only whole');
    assert.equal(short.get('kassa').prefix, true, 'the written word may be half-typed');
    assert.deepEqual(queryTerms('työ', fi).filter(([t]) => t.startsWith(INNER)), []);
  });

  test('tags: clean strings, matched without regard to case; untrusted payloads are safe', () => {
    assert.deepEqual(tagsOf({ tags: [' tiimi ', '', 7, null] }), ['tiimi', '7', 'null']);
    assert.deepEqual(tagsOf({ tags: 'tiimi' }), []);
    assert.deepEqual(tagsOf(null), []);
    assert.ok(hasTag({ tags: ['Tiimi'] }, 'tiimi'));
    assert.ok(hasTag({ tags: ['ÄÄNI'] }, 'ääni'));
    assert.ok(!hasTag({ tags: ['tiimityö'] }, 'tiimi'), 'a tag filter is exact, not a prefix');
    assert.ok(sameTag(' Työ', 'TYÖ') && !sameTag('työ', 'työt'));
    // A tag written twice in another case (or with a decomposed ä) is one tag, first spelling kept.
    assert.deepEqual(uniqueTags(['Työ', ' työ ', '', 'Tiimi', 'TYÖ', 'tyo\u0308', 'tiimityö']), ['Työ', 'Tiimi', 'tiimityö']);
  });

  test('bad documents and empty queries', () => {
    const index = createIndex([{ id: 'x', title: 5, body: { a: 1 }, tags: 'no' }, null, { title: 'no id' }], fi);
    assert.equal(index.size, 1);
    assert.deepEqual(index.search(''), []);
    assert.deepEqual(index.search('  ,. '), []);
  });
});
