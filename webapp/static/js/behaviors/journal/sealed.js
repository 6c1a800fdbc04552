// data-js-sealed: open a sealed item in place. The element carries the item's ciphertext
// and the reader's envelope in data-sealed (the API's form); the text goes into [data-field]
// nodes with textContent only (decrypted text is untrusted input).
//
// A journal page opens all its cards in one pass: app.js attaches the behaviour to every card
// of the page (or of a "Show older" fragment) together, each call only queues its element,
// and one flush per batch reads the keys once, decrypts every item concurrently, writes the
// offline mirror in one IndexedDB transaction (sealed-items.js openBatch) and fills all the
// cards at once, in the same task as the decryption ends (writes only, no layout reads in
// between, so one style and layout pass in the next frame; waiting for a frame first only
// delayed them).
//
// Performance marks, per batch, for the benchmarks (bench/): `valitila:entries-opening` when
// the batch starts, `valitila:entries-opened` when its cards are rendered (detail: {count}),
// and the measure `valitila:open-entries` between the two; `valitila:entries-mirrored` when
// the mirror write has committed.
import { t } from '../../i18n.js';
import { batched } from '../../batch.js';
import { openBatch, showTags } from '../../sealed-items.js';

const EXCERPT = 180;
const OPENING = 'valitila:entries-opening';
const OPENED = 'valitila:entries-opened';

// The cards of one page or fragment are attached one microtask after another; the flush is
// queued behind them, so the whole page is one batch (batch.js).
export default batched(flush);

/** @param {HTMLElement[]} batch */
async function flush(batch) {
  performance.mark(OPENING);
  const items = [];
  const elements = [];
  for (const el of batch) {
    try {
      items.push(JSON.parse(el.dataset.sealed));
      elements.push(el);
    } catch {
      showError(el, null);
    }
  }
  let result;
  try {
    result = await openBatch(items);
  } catch (err) {
    elements.forEach((el) => showError(el, err)); // the keys could not be read
    return;
  }
  if (!result) return; // locked: on the way to the unlock page
  const { opened, mirrored } = result;
  mirrored.then(
    () => performance.mark('valitila:entries-mirrored', { detail: { count: items.length } }),
    () => {}, // the mirror is a convenience copy: the next visit writes it again
  );
  opened.forEach((entry, index) => (entry.error ? showError(elements[index], entry.error) : show(elements[index], entry.payload)));
  performance.mark(OPENED, { detail: { count: batch.length } });
  performance.measure('valitila:open-entries', { start: OPENING, end: OPENED, detail: { count: batch.length } });
}

function setField(root, name, text) {
  const el = root.querySelector(`[data-field="${name}"]`);
  if (el) el.textContent = text;
  return el;
}

function show(el, payload) {
  const title = typeof payload.title === 'string' && payload.title.trim() ? payload.title : t('untitled');
  const body = typeof payload.body === 'string' ? payload.body : '';
  const full = el.hasAttribute('data-full');
  setField(el, 'title', title);
  if (full) {
    setField(el, 'body', body);
    document.title = `${title} · Välitila`;
  } else {
    setField(el, 'excerpt', body.length > EXCERPT ? `${body.slice(0, EXCERPT).trimEnd()}…` : body);
  }
  // A card's tags filter the list; one entry's page links each tag to the filtered journal.
  showTags(el.querySelector('[data-field="tags"]'), payload.tags, { as: full ? 'link' : 'button' });
  el.dataset.state = 'open';
  el.removeAttribute('aria-busy');
}

function showError(el, err) {
  setField(el, 'title', err?.code === 'bad_signature' || err?.code === 'header_mismatch' ? t('badSignature') : t('decryptFailed'));
  el.dataset.state = 'error';
  el.removeAttribute('aria-busy');
}
