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
