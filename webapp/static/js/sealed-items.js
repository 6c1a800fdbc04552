// Opening sealed items with this device's keys, and showing their tags. Library code: the
// `sealed` behaviour, the editor and the offline views all use it.
import { openEnvelope, openItem } from './crypto/envelope.js';
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

/** Show tags as <span class="tag"> children of `el` (text only). */
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
