// data-js-journal-search: search the decrypted journal and filter it by a tag, on this device.
// Neither the query nor the tag ever leaves the browser: the entries come from the sealed
// mirror, are opened and indexed in memory (search.js: stemming for the user's language,
// prefix and compound matching), and a tag filter is kept in the URL's fragment (#tag=…),
// which the browser never sends. The tags on the cards are toggle buttons (aria-pressed);
// the filter shows as a line under the search field with a button that removes it.
import { entryCard } from '../../entry-card.js';
import { t, tn } from '../../i18n.js';
import * as keystore from '../../keystore.js';
import { openMirror } from '../../local-entries.js';
import { createIndex, loadStemmer } from '../../search.js';
import { currentUid } from '../../session.js';
import { hasTag, sameTag } from '../../tags.js';

/** The tag in a journal URL's fragment (#tag=…), or null. */
function tagFromHash() {
  const match = window.location.hash.match(/^#tag=(.+)$/);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]).trim() || null;
  } catch {
    return null;
  }
}

/** Put the tag in the URL's fragment (or take it out) without a new history entry. */
function tagToHash(tag) {
  const url = new URL(window.location.href);
  url.hash = tag === null ? '' : `tag=${encodeURIComponent(tag)}`;
  window.history.replaceState(window.history.state, '', url.href);
}

/** The "Only tagged X · Remove filter" line above the result count, hidden until a tag is chosen. */
function filterBar(form) {
  const bar = document.createElement('p');
  bar.className = 'tag-filter';
  bar.hidden = true;
  bar.dataset.tagFilterBar = '';
  const label = document.createElement('span');
  label.className = 'tag-filter-label';
  label.tabIndex = -1;
  const clear = document.createElement('button');
  clear.type = 'button';
  clear.className = 'button button-small';
  clear.dataset.tagFilterClear = '';
  clear.textContent = t('tagFilterClear');
  bar.append(label, ' ', clear);
  const count = form.querySelector('[data-search-count]');
  if (count) count.before(bar);
  else form.append(bar);
  return {
    show(tag) {
      bar.hidden = tag === null;
      if (tag === null) return label.replaceChildren();
      const [before, after = ''] = t('tagFilterActive').split('{tag}');
      const name = document.createElement('strong');
      name.className = 'tag';
      name.textContent = tag;
      label.replaceChildren(before, name, after);
    },
    label,
    clear,
  };
}

export default function journalSearch(form) {
  const input = form.querySelector('input[type=search]');
  const results = document.getElementById(form.dataset.results);
  const list = document.getElementById(form.dataset.list);
  const count = form.querySelector('[data-search-count]');
  const bar = filterBar(form);
  /** @type {Promise<{entries: Array<{item: any, payload: any}>, index: ReturnType<typeof createIndex>} | null> | null} */
  let opened = null;
  /** @type {string | null} */
  let tag = null;
  let timer = null;
  let runs = 0;

  form.addEventListener('submit', (event) => event.preventDefault());
  // Once used, the form keeps its help line shown (app.css .search-compact): no layout shift
  // when the field loses focus to a tap on the list.
  input.addEventListener('focus', () => form.setAttribute('data-used', ''), { once: true });
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 120);
  });
  // A tag on a card toggles the filter (the cards of the list and of the results).
  const onTag = (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-tag-filter]') : null;
    if (!button) return;
    event.preventDefault(); // never also follow the card's link
    const chosen = button.dataset.tagFilter;
    setTag(tag !== null && sameTag(tag, chosen) ? null : chosen);
  };
  list?.addEventListener('click', onTag);
  results.addEventListener('click', onTag);
  bar.clear.addEventListener('click', () => setTag(null));
  // A link to /journal/#tag=… (an entry's page) while this page is open changes only the hash.
  window.addEventListener('hashchange', () => setTag(tagFromHash(), { focus: false }));
  if (tagFromHash() !== null) setTag(tagFromHash(), { focus: false });

  /** Filter by `next` (null: no filter). Focus goes to what now describes the list. */
  function setTag(next, { focus = true } = {}) {
    tag = next;
    tagToHash(tag);
    bar.show(tag);
    const done = run();
    if (focus) done.then(() => (tag === null ? input : bar.label).focus());
  }

  /** Open the device's entries once and index them in memory. */
  function openEntries() {
    opened ??= (async () => {
      // The offline shell has no signed-in user in the page: the device knows the account.
      const uid = currentUid() || (await keystore.account())?.uid;
      const keys = uid && (await keystore.unlockedKeys(uid));
      if (!keys) return null;
      const entries = await openMirror(uid, keys);
      const docs = entries.map(({ item, payload }) => ({ id: item.id, title: payload.title, body: payload.body, tags: payload.tags }));
      const index = createIndex(docs, await loadStemmer(document.documentElement.lang));
      return { entries, index };
    })();
    return opened.then((value) => {
      if (!value) opened = null; // locked: try again next time
      return value;
    });
  }

  async function run() {
    const seq = ++runs;
    const query = input.value.trim();
    if (!query && tag === null) {
      results.hidden = true;
      results.replaceChildren();
      if (list) list.hidden = false;
      count.textContent = '';
      return;
    }
    const journal = await openEntries();
    if (seq !== runs) return; // a newer keystroke or tap took over
    if (!journal) {
      count.textContent = t('offlineLocked');
      return;
    }
    let found = journal.entries;
    if (query) {
      const byId = new Map(journal.entries.map((entry) => [entry.item.id, entry]));
      found = journal.index.search(query).map((id) => byId.get(id));
    }
    if (tag !== null) found = found.filter(({ payload }) => hasTag(payload, tag));
    results.replaceChildren(...found.map(({ item, payload }) => entryCard(item, payload, { activeTag: tag })));
    results.hidden = false;
    if (list) list.hidden = true;
    count.textContent = found.length ? tn('searchCount', found.length) : t('searchNone');
  }
}
