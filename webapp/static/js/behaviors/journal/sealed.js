// data-js-sealed: open a sealed item in place. The element carries the item's ciphertext
// and the reader's envelope in data-sealed; the text goes into [data-field] nodes with
// textContent only (decrypted text is untrusted input).
import { t } from '../../i18n.js';
import * as mirror from '../../mirror.js';
import { openSealed, showTags } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';

const EXCERPT = 180;

function setField(root, name, text) {
  const el = root.querySelector(`[data-field="${name}"]`);
  if (el) el.textContent = text;
  return el;
}

export default async function sealed(el) {
  const keys = await requireKeys();
  if (!keys) return;
  const item = JSON.parse(el.dataset.sealed);
  try {
    const { payload } = await openSealed(item, keys);
    const title = typeof payload.title === 'string' && payload.title.trim() ? payload.title : t('untitled');
    const body = typeof payload.body === 'string' ? payload.body : '';
    setField(el, 'title', title);
    if (el.hasAttribute('data-full')) {
      setField(el, 'body', body);
      document.title = `${title} · Välitila`;
    } else {
      setField(el, 'excerpt', body.length > EXCERPT ? `${body.slice(0, EXCERPT).trimEnd()}…` : body);
    }
    // A card's tags filter the list; one entry's page links each tag to the filtered journal.
    showTags(el.querySelector('[data-field="tags"]'), payload.tags, { as: el.hasAttribute('data-full') ? 'link' : 'button' });
    el.dataset.state = 'open';
    // Keep the verified ciphertext for offline reading (never the decrypted text).
    mirror.remember(currentUid(), [item]).catch(() => {});
  } catch (err) {
    setField(el, 'title', err?.code === 'bad_signature' || err?.code === 'header_mismatch' ? t('badSignature') : t('decryptFailed'));
    el.dataset.state = 'error';
  } finally {
    el.removeAttribute('aria-busy');
  }
}
