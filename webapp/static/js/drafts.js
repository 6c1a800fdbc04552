// Unsaved writing kept on this device, sealed with the account key (never plaintext).
import { box, unbox } from './crypto/aead.js';
import { utf8Decode, utf8Encode } from './crypto/encoding.js';
import * as keystore from './keystore.js';

const aad = (uid, key) => `valitila/v1/draft|${uid}|${key}`;

/** Seal and keep a draft ({itemId, rev, payload}) under `key` for this user. */
export async function saveDraft(keys, uid, key, draft) {
  const sealed = await box(keys.ak, utf8Encode(JSON.stringify({ ...draft, savedAt: Date.now() })), aad(uid, key));
  await keystore.putSealed(`${uid}:${key}`, sealed);
}

/** The draft kept under `key`, or null. */
export async function loadDraft(keys, uid, key) {
  const sealed = await keystore.getSealed(`${uid}:${key}`);
  if (!sealed) return null;
  try {
    return JSON.parse(utf8Decode(await unbox(keys.ak, sealed, aad(uid, key))));
  } catch {
    return null;
  }
}

export async function dropDraft(uid, key) {
  await keystore.removeSealed(`${uid}:${key}`);
}

/**
 * Keep what is typed in a small form (a proposed topic, a check-in) as a sealed draft on this
 * device: written 250 ms after the last change (dropped when the form is blank again), and
 * put back on the next open when the form is still blank, so a reload or a closed tab loses
 * nothing. The listeners go on at once; the keys and the draft are read meanwhile.
 * @param {HTMLFormElement} form
 * @param {{key: string, uid: string|null, read: () => object, fill: (draft: any) => void,
 *   blank: (value: any) => boolean, restored?: () => void}} options
 * @returns {{forget: () => Promise<void>}} call `forget` once the form's content is sent
 */
export function formDraft(form, { key, uid, read, fill, blank, restored = () => {} }) {
  const opened = uid ? keystore.unlockedKeys(uid) : Promise.resolve(null);
  /** @type {Promise<void>} */
  let writing = Promise.resolve();
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const value = read();
      writing = writing
        .then(async () => {
          const keys = await opened;
          if (!keys || !uid) return;
          await (blank(value) ? dropDraft(uid, key) : saveDraft(keys, uid, key, value));
        })
        .catch((err) => console.warn('draft not kept', err));
    }, 250);
  };
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  opened
    .then(async (keys) => {
      const draft = keys && uid ? await loadDraft(keys, uid, key) : null;
      if (draft && !blank(draft) && blank(read())) {
        fill(draft);
        restored();
      }
    })
    .catch((err) => console.warn('draft not read', err));
  return {
    async forget() {
      if (timer) clearTimeout(timer);
      timer = null;
      await writing;
      if (uid) await dropDraft(uid, key);
    },
  };
}
