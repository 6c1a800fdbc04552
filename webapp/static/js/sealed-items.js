// Opening sealed items with this device's keys, and showing their tags. Library code: the
// `sealed` behaviour, the editor and the offline views all use it.
import { openEnvelope, openItem } from './crypto/envelope.js';
import { t } from './i18n.js';
import { sameTag, tagsOf } from './tags.js';
import { authorKey, currentUid } from './session.js';

/** @typedef {import('./merge.js').Payload} Payload */

/**
 * Open an item's payload with this device's keys (verifies the author's signature). The
 * payload is untrusted JSON: its fields may be missing or of any type.
 * @returns {Promise<{payload: Payload, dek: Uint8Array}>}
 */
export async function openSealed(item, keys, uid = currentUid()) {
  const dek = await openEnvelope(keys, item.envelope, item.id, uid);
  const payload = /** @type {Payload} */ (await openItem({ item, dek, authorEd25519: await authorKey(item.author) }));
  return { payload, dek };
}

/**
 * Show an entry's tags in `el` (text only), each as
 *  - 'button': a toggle that filters the journal list to the tag (in a list of cards; the
 *    journal-search behaviour handles the click through [data-tag-filter]),
 *  - 'link': a link to the journal filtered by the tag (one entry's page). The tag goes in
 *    the URL's fragment, which the browser never sends: the server does not learn it.
 * @param {Element | null} el
 * @param {unknown} tags
 * @param {{as?: 'button' | 'link', active?: string | null}} [options] `active`: the tag the
 *   list is filtered by now (its buttons show as pressed)
 */
export function showTags(el, tags, { as = 'button', active = null } = {}) {
  if (!el) return;
  el.replaceChildren();
  for (const tag of tagsOf({ tags })) {
    const name = t('tagFilter').replace('{tag}', tag);
    let control;
    if (as === 'link') {
      control = document.createElement('a');
      control.href = `/journal/#tag=${encodeURIComponent(tag)}`;
    } else {
      control = document.createElement('button');
      control.type = 'button';
      control.dataset.tagFilter = tag;
      control.setAttribute('aria-pressed', String(active !== null && sameTag(tag, active)));
    }
    control.className = 'tag';
    control.textContent = tag;
    control.setAttribute('aria-label', name);
    el.append(control, ' ');
  }
}
