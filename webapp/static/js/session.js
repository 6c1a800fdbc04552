// The signed-in user on this page and their unlocked keys.
import { api, setCsrfToken } from './api.js';
import { deriveSecrets } from './derive.js';
import { unlockAccount } from './crypto/identity.js';
import * as keystore from './keystore.js';
import { b64uDecode, b64uEncode } from './crypto/encoding.js';
import { importPublicKey, verifyBundle } from './crypto/identity.js';

/** The uid of the signed-in user of this page, or null. */
export function currentUid() {
  return /** @type {HTMLMetaElement|null} */ (document.querySelector('meta[name="valitila-user"]'))?.content || null;
}

/** Unlocked keys for this page's user; sends the user to the unlock page when locked. */
export async function requireKeys() {
  const uid = currentUid();
  const keys = uid ? await keystore.unlockedKeys(uid) : null;
  if (!keys) {
    const next = window.location.pathname + window.location.search;
    window.location.assign(`/unlock?next=${encodeURIComponent(next)}`);
    return null;
  }
  return keys;
}

/** Sign in: prelogin → Argon2id → login → unwrap keys → keep them on this device. */
export async function signIn(email, password) {
  const pre = await api('POST', '/auth/prelogin', { email });
  const secrets = await deriveSecrets({ email, password, saltSeed: pre.salt_seed, kdf: pre.kdf });
  const res = await api('POST', '/auth/login', { email, auth_key: b64uEncode(secrets.authKey) });
  setCsrfToken(res.csrf_token);
  const unlocked = await unlockAccount({ email, password, keys: res.keys, secrets });
  await keystore.saveSession({ uid: res.uid, email, keys: res.keys, unlocked });
  return res;
}

/** Unlock on a device whose session is alive: keys re-derived locally from the password. */
export async function unlockLocally(email, password) {
  const uid = currentUid();
  let stored = await keystore.account();
  if (!stored || stored.uid !== uid) {
    stored = { uid, email, keys: await api('GET', '/me/keys') };
  }
  const keys = stored.keys;
  const secrets = await deriveSecrets({ email: stored.email || email, password, saltSeed: keys.salt_seed, kdf: keys.kdf });
  const unlocked = await unlockAccount({ email: stored.email || email, password, keys, secrets });
  await keystore.saveSession({ uid, email: stored.email || email, keys, unlocked });
}

/** @type {Map<string, Promise<Uint8Array>>} */
const bundles = new Map();

/** An author's Ed25519 public key: our own from the device, others' from the server (verified).
 *  The lookup is kept as a promise, so a page opening many items of one author at once reads
 *  the device (or asks the server) once; a failed lookup is not kept. */
export function authorKey(authorUid) {
  return bundles.get(authorUid) ?? keepKey(authorUid, lookUpAuthorKey(authorUid));
}

/** Keep `key` as `uid`'s for this page, unless it fails. */
function keepKey(uid, key) {
  bundles.set(uid, key);
  key.catch(() => bundles.delete(uid));
  return key;
}

/**
 * Bundles a page was given with what it shows (its authors'): authorKey takes an author's key
 * from one of these, after the very check a bundle from the server gets (its uid and its
 * self-signature), instead of asking the server for it. One that fails the check is not
 * used: the server is asked then. The reader's own key always comes from this device.
 * @param {Record<string, unknown> | undefined} given bundles by uid
 */
export function offerBundles(given) {
  const own = currentUid();
  for (const [uid, bundle] of Object.entries(given || {})) {
    if (uid === own || bundles.has(uid)) continue;
    keepKey(uid, verifyBundle(bundle, uid).then((ok) =>
      ok ? b64uDecode(/** @type {{ed25519: string}} */ (bundle).ed25519, 32) : lookUpAuthorKey(uid)));
  }
}

/** @type {Map<string, Promise<CryptoKey>>} */
const verifyKeys = new Map();

/** authorKey() imported once as the CryptoKey that verifies the author's signatures (a page
 *  opening many items of one author imports it once, not once per item). */
export function authorVerifyKey(authorUid) {
  let key = verifyKeys.get(authorUid);
  if (!key) {
    key = authorKey(authorUid).then((raw) => importPublicKey('Ed25519', raw));
    verifyKeys.set(authorUid, key);
    key.catch(() => verifyKeys.delete(authorUid));
  }
  return key;
}

async function lookUpAuthorKey(authorUid) {
  let bundle = null;
  const stored = await keystore.account();
  if (stored?.uid === authorUid) bundle = stored.keys.bundle;
  else {
    bundle = await api('GET', `/users/${authorUid}/bundle`);
    if (!(await verifyBundle(bundle, authorUid))) throw Object.assign(new Error('bad bundle'), { code: 'bad_signature' });
  }
  return b64uDecode(bundle.ed25519, 32);
}
