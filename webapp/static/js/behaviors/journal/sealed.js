// data-js-sealed: open a sealed item in place. The element carries the item's ciphertext
// and the reader's envelope in data-sealed; the text goes into [data-field] nodes with
// textContent only (decrypted text is untrusted input).
import { openEnvelope, openItem } from '../crypto/envelope.js';
import { t } from '../i18n.js';
import * as mirror from '../mirror.js';
import { authorKey, currentUid, requireKeys } from '../session.js';

const EXCERPT = 180;

/** Open an item's payload with this device's keys (verifies the author's signature). */
export async function openSealed(item, keys, uid = currentUid()) {
  const dek = await openEnvelope(keys, item.envelope, item.id, uid);
  const payload = await openItem({ item, dek, authorEd25519: await authorKey(item.author) });
  return { payload, dek };
}

function setField(root, name, text) {
  const el = root.querySelector(`[data-field="${name}"]`);
  if (el) el.textContent = text;
  return el;
}

export function showTags(el, tags) {
  if (!el) return;
  el.replaceChildren();
  for (const tag of Array.isArray(tags) ? tags : []) {
    const span = document.createElement('span');
    span.className = 'tag';
    span.textContent = String(tag);
    el.append(span, ' ');
  }
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
    showTags(el.querySelector('[data-field="tags"]'), payload.tags);
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
