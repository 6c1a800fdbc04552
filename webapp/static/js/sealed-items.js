// Opening sealed items with this device's keys, and showing their tags. Library code: the
// `sealed` behaviour, the editor and the offline views all use it.
import { openEnvelope, openEnvelopeKey, openItem } from './crypto/envelope.js';
import { t } from './i18n.js';
import * as mirror from './mirror.js';
import { sameTag, tagsOf, uniqueTags } from './tags.js';
import { authorVerifyKey, currentUid, requireKeys } from './session.js';

/** @typedef {import('./merge.js').Payload} Payload */

/**
 * Open an item's payload with this device's keys (verifies the author's signature). The
 * payload is untrusted JSON: its fields may be missing or of any type.
 * @returns {Promise<{payload: Payload, dek: Uint8Array}>}
 */
export async function openSealed(item, keys, uid = currentUid()) {
  const dek = await openEnvelope(keys, item.envelope, item.id, uid);
  const payload = /** @type {Payload} */ (await openItem({ item, dek, authorEd25519: await authorVerifyKey(item.author) }));
  return { payload, dek };
}

/**
 * Only the payload of an item (to show it; openSealed when the DEK is needed to edit or
 * share): the DEK is opened straight into a CryptoKey (crypto/envelope.js openEnvelopeKey,
 * fewer WebCrypto operations per item) and the author's key is imported once per page. The
 * same checks as openSealed: the signature is verified before anything is decrypted.
 * @returns {Promise<Payload>}
 */
export async function openPayload(item, keys, uid = currentUid()) {
  const dek = await openEnvelopeKey(keys, item.envelope, item.id, uid);
  return /** @type {Payload} */ (await openItem({ item, dek, authorEd25519: await authorVerifyKey(item.author) }));
}

/**
 * Resolves once the browser has painted what the caller does with the result in this task:
 * in a task after the next animation frame (a plain next task often ran before that frame
 * and held it back). A hidden page gets no frames: then after a short while anyway.
 */
const afterPaint = () =>
  new Promise((resolve) => {
    if (typeof requestAnimationFrame !== 'function') {
      setTimeout(resolve, 0); // no rendering here (a worker, the unit tests)
      return;
    }
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        resolve(undefined);
      }, 0),
    );
  });

/**
 * @typedef {{item: any, payload: Payload, error?: undefined} | {item: any, payload?: undefined, error: any}} Opened
 */

/**
 * Open a page's sealed items in one pass (a journal page: 20–50 at once) with `keys` read
 * once by the caller: every item is decrypted and verified concurrently (each author's
 * signing key is looked up and imported once, see authorVerifyKey), and the ones that opened
 * are kept in the device's sealed mirror in ONE IndexedDB transaction (mirror.remember), not
 * one per item. The mirror write starts after the frame that shows what the caller did with
 * the items (writing 50 items is several milliseconds of serialising on the main thread that
 * the first render need not wait for); `mirrored` resolves when it has committed.
 * @param {any[]} items in the API's form
 * @returns {Promise<{opened: Opened[], mirrored: Promise<void>}>}
 */
export async function openAll(items, keys, uid = currentUid()) {
  /** @type {Opened[]} */
  const opened = await Promise.all(
    items.map((item) =>
      openPayload(item, keys, uid).then(
        (payload) => /** @type {Opened} */ ({ item, payload }),
        (error) => /** @type {Opened} */ ({ item, error }),
      ),
    ),
  );
  // Only the verified ciphertext is kept (never the decrypted text).
  const verified = opened.filter((entry) => !entry.error).map((entry) => entry.item);
  return { opened, mirrored: afterPaint().then(() => mirror.remember(uid, verified)) };
}

/**
 * openAll with this page's user and keys, read once for the whole batch. Null when the keys
 * are locked (requireKeys then sends the user to the unlock page).
 * @param {any[]} items
 */
export async function openBatch(items) {
  const uid = currentUid();
  // The reader's own signing key (their entries' author) is read alongside the keys, not
  // after them: two small IndexedDB reads in parallel at page start.
  if (uid && items.some((item) => item.author === uid)) authorVerifyKey(uid).catch(() => {});
  const keys = await requireKeys();
  if (!keys) return null;
  return openAll(items, keys, uid);
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
  for (const tag of uniqueTags(tagsOf({ tags }))) {
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
