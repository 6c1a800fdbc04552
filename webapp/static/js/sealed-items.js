// Opening sealed items with this device's keys, and showing their tags. Library code: the
// `sealed` behaviour, the editor and the offline views all use it.
import { openEnvelope, openItem } from './crypto/envelope.js';
import { authorKey, currentUid } from './session.js';

/** Open an item's payload with this device's keys (verifies the author's signature). */
export async function openSealed(item, keys, uid = currentUid()) {
  const dek = await openEnvelope(keys, item.envelope, item.id, uid);
  const payload = await openItem({ item, dek, authorEd25519: await authorKey(item.author) });
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
