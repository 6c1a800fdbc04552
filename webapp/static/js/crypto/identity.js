/**
 * Account keys, identity key pairs, bundles and the recovery key (PROTOCOL.md §1–3).
 *
 * Keys kept on the device are non-extractable CryptoKeys: AK (AES-GCM, encrypt+decrypt),
 * the X25519 private key (deriveBits) and the Ed25519 private key (sign). Raw key bytes only
 * exist briefly inside createAccount / newRecovery (and wherever a caller passes akBytes).
 *
 * Re-wrapping AK (password change, reset, new recovery key) without ever holding AK in an
 * extractable form on the device: unlockAccount and recoverAccount return an "AK source" –
 * `{type:'ak-source', uid, aad, wrapped:{iv,ct}, kek}` where `kek` is a non-extractable
 * AES-GCM CryptoKey with the single usage 'unwrapKey'. To re-wrap, one function call does
 * `unwrapKey(wrapped, kek) → extractable AK (local variable) → wrapKey(AK, newKek)`; since
 * AES-GCM wrapKey('raw') is byte-for-byte box(newKek, AK, aad), the result is a normal box.
 * The AK source is as sensitive as AK itself (it opens AK); it is structured-cloneable, so it
 * can live in IndexedDB next to the other keys, or only in memory. It stays valid after a
 * password change (it carries its own wrapped copy), so there is nothing to update.
 *
 * @module crypto/identity
 */
import { box, decodeBox, gcmParams, importAesKey, isCryptoKey, unbox } from './aead.js';
import {
  ProtocolError,
  asBytes,
  assertUuid,
  b64uDecode,
  b64uEncode,
  concatBytes,
  formatRecoveryKey,
  isUuid,
  parseRecoveryKey,
  randomBytes,
  utf8Encode,
  wipe,
} from './encoding.js';
import { KDF_FLOOR, checkKdf, deriveAccountSecrets, deriveRecoverySecrets } from './kdf.js';

const subtle = () => globalThis.crypto.subtle;

/** AAD / message strings of §2–3. */
export const AAD = Object.freeze({
  ak: (uid) => `valitila/v1/ak|${uid}`,
  akRecovery: (uid) => `valitila/v1/ak-recovery|${uid}`,
  x25519: (uid) => `valitila/v1/x25519|${uid}`,
  ed25519: (uid) => `valitila/v1/ed25519|${uid}`,
});

// ---------------------------------------------------------------------------------------------
// X25519 / Ed25519 key helpers
// ---------------------------------------------------------------------------------------------

const ALGS = {
  X25519: { params: { name: 'X25519' }, priv: ['deriveBits'], pub: [], oid: '2b656e' },
  Ed25519: { params: { name: 'Ed25519' }, priv: ['sign'], pub: ['verify'], oid: '2b6570' },
};

function alg(name) {
  const a = ALGS[name];
  if (!a) throw new ProtocolError('bad_input', `unknown algorithm ${name}`);
  return a;
}

function hex(s) {
  return new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
}

/**
 * Wraps a raw 32-byte X25519/Ed25519 private key (RFC 8410 "seed") in the 48-byte PKCS#8 DER
 * that WebCrypto imports.
 * @param {'X25519'|'Ed25519'} name
 * @param {Uint8Array|string} raw32 bytes or b64u
 * @returns {Uint8Array} PKCS#8 DER
 */
export function pkcs8FromRaw(name, raw32) {
  // SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.110|112 }, OCTET STRING { OCTET STRING (32) } }
  const prefix = hex(`302e02010030050603${alg(name).oid}04220420`);
  return concatBytes(prefix, asBytes(raw32, 32, `${name} private key`));
}

/**
 * Generates a fresh key pair and returns the private key as PKCS#8 DER.
 * @param {'X25519'|'Ed25519'} name
 * @returns {Promise<Uint8Array>}
 */
export async function generatePkcs8(name) {
  const a = alg(name);
  const pair = await subtle().generateKey(a.params, true, a.priv);
  return new Uint8Array(await subtle().exportKey('pkcs8', pair.privateKey));
}

/**
 * Imports a PKCS#8 private key (non-extractable unless asked).
 * @param {'X25519'|'Ed25519'} name
 * @param {Uint8Array|string} pkcs8 DER bytes or b64u
 * @param {{extractable?: boolean}} [options]
 * @returns {Promise<CryptoKey>} usages deriveBits (X25519) or sign (Ed25519)
 */
export async function importPrivateKey(name, pkcs8, { extractable = false } = {}) {
  const a = alg(name);
  const der = asBytes(pkcs8, undefined, `${name} PKCS#8`);
  try {
    return await subtle().importKey('pkcs8', der, a.params, extractable, a.priv);
  } catch (err) {
    throw new ProtocolError('bad_key', `invalid ${name} private key`, { cause: err });
  }
}

/**
 * Imports a raw 32-byte public key; passes a CryptoKey of the right algorithm through.
 * Any malformed input (bad b64u, wrong length, wrong key type) throws code 'bad_key'.
 * @param {'X25519'|'Ed25519'} name
 * @param {Uint8Array|string|CryptoKey} pub raw bytes, b64u or CryptoKey
 * @returns {Promise<CryptoKey>}
 */
export async function importPublicKey(name, pub) {
  const a = alg(name);
  if (isCryptoKey(pub)) {
    if (pub.algorithm?.name !== name || pub.type !== 'public') {
      throw new ProtocolError('bad_key', `expected an ${name} public key`);
    }
    return pub;
  }
  try {
    const raw = asBytes(pub, 32, `${name} public key`);
    return await subtle().importKey('raw', raw, a.params, true, a.pub);
  } catch (err) {
    throw new ProtocolError('bad_key', `invalid ${name} public key`, { cause: err });
  }
}

/**
 * Raw 32-byte public key belonging to a PKCS#8 private key (via a temporary extractable
 * import and its JWK "x" member).
 * @param {'X25519'|'Ed25519'} name
 * @param {Uint8Array|string} pkcs8
 * @returns {Promise<Uint8Array>}
 */
export async function publicRawFromPkcs8(name, pkcs8) {
  const key = await importPrivateKey(name, pkcs8, { extractable: true });
  const jwk = await subtle().exportKey('jwk', key);
  return b64uDecode(jwk.x, 32);
}

/**
 * Public key of an X25519 private CryptoKey, also for non-extractable keys:
 * X25519(priv, basepoint 9) is the public key.
 * @param {CryptoKey} privateKey
 * @returns {Promise<Uint8Array>} 32 bytes
 */
export async function x25519PublicFromPrivate(privateKey) {
  const base = new Uint8Array(32);
  base[0] = 9;
  return x25519SharedSecret(privateKey, base);
}

/**
 * X25519(priv, pub) → 32-byte shared secret. WebCrypto rejects an all-zero result
 * (small-order public keys) with an error.
 * @param {CryptoKey} privateKey X25519 private key (deriveBits)
 * @param {Uint8Array|string|CryptoKey} publicKey raw, b64u or CryptoKey
 * @returns {Promise<Uint8Array>}
 */
export async function x25519SharedSecret(privateKey, publicKey) {
  const pub = await importPublicKey('X25519', publicKey);
  try {
    return new Uint8Array(await subtle().deriveBits({ name: 'X25519', public: pub }, privateKey, 256));
  } catch (err) {
    throw new ProtocolError('bad_key', 'X25519 key agreement failed', { cause: err });
  }
}

/**
 * Ed25519 signature (deterministic).
 * @param {CryptoKey|Uint8Array} privateKey Ed25519 private CryptoKey (sign) or PKCS#8 bytes
 * @param {Uint8Array} messageBytes
 * @returns {Promise<Uint8Array>} 64 bytes
 */
export async function ed25519Sign(privateKey, messageBytes) {
  const key = isCryptoKey(privateKey) ? privateKey : await importPrivateKey('Ed25519', privateKey);
  if (key.algorithm?.name !== 'Ed25519' || key.type !== 'private') {
    throw new ProtocolError('bad_key', 'expected an Ed25519 private key');
  }
  return new Uint8Array(await subtle().sign({ name: 'Ed25519' }, key, messageBytes));
}

/**
 * Ed25519 verification that never throws: malformed keys or signatures give false.
 * @param {Uint8Array|string|CryptoKey} publicKey raw, b64u or CryptoKey
 * @param {Uint8Array|string} signature 64 bytes or b64u
 * @param {Uint8Array} messageBytes
 * @returns {Promise<boolean>}
 */
export async function ed25519Verify(publicKey, signature, messageBytes) {
  try {
    const key = await importPublicKey('Ed25519', publicKey);
    const sig = asBytes(signature, 64, 'signature');
    return await subtle().verify({ name: 'Ed25519' }, key, sig, messageBytes);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Bundles
// ---------------------------------------------------------------------------------------------

function bundleMessage(uid, v, x25519, ed25519) {
  return utf8Encode(`valitila/v1/bundle|${uid}|${v}|${x25519}|${ed25519}`);
}

/**
 * Builds and signs a public bundle {uid, v:1, x25519, ed25519, sig}.
 * Throws 'bad_key' if the Ed25519 public key does not belong to the private key.
 * @param {string} uid
 * @param {CryptoKey|Uint8Array} ed25519PrivateKey CryptoKey (sign) or PKCS#8 bytes
 * @param {Uint8Array|string} x25519PubRaw 32 bytes or b64u
 * @param {Uint8Array|string} ed25519PubRaw 32 bytes or b64u
 * @returns {Promise<{uid: string, v: 1, x25519: string, ed25519: string, sig: string}>}
 */
export async function makeBundle(uid, ed25519PrivateKey, x25519PubRaw, ed25519PubRaw) {
  assertUuid(uid, 'uid');
  const x = b64uEncode(asBytes(x25519PubRaw, 32, 'x25519 public key'));
  const ed = b64uEncode(asBytes(ed25519PubRaw, 32, 'ed25519 public key'));
  const msg = bundleMessage(uid, 1, x, ed);
  const sig = await ed25519Sign(ed25519PrivateKey, msg);
  if (!(await ed25519Verify(ed, sig, msg))) {
    throw new ProtocolError('bad_key', 'the Ed25519 public key does not match the private key');
  }
  return { uid, v: 1, x25519: x, ed25519: ed, sig: b64uEncode(sig) };
}

/**
 * Checks a bundle's shape (uid, v = 1, 32-byte keys, 64-byte sig) and its self-signature.
 * Never throws.
 * @param {unknown} bundle
 * @param {string} [expectedUid] if given, bundle.uid must equal it
 * @returns {Promise<boolean>}
 */
export async function verifyBundle(bundle, expectedUid) {
  try {
    if (!bundle || typeof bundle !== 'object') return false;
    const { uid, v, x25519, ed25519, sig } = /** @type {Record<string, any>} */ (bundle);
    if (!isUuid(uid) || v !== 1) return false;
    if (expectedUid !== undefined && uid !== expectedUid) return false;
    b64uDecode(x25519, 32);
    const edRaw = b64uDecode(ed25519, 32);
    return await ed25519Verify(edRaw, b64uDecode(sig, 64), bundleMessage(uid, v, x25519, ed25519));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// AK sources and re-wrapping
// ---------------------------------------------------------------------------------------------

async function makeAkSource(uid, aad, wrapped, kekBytes) {
  const { iv, ct } = decodeBox(wrapped);
  const kek = await importAesKey(asBytes(kekBytes, 32, 'kek'), { usages: ['unwrapKey'] });
  return Object.freeze({ type: 'ak-source', uid, aad, wrapped: { iv: b64uEncode(iv), ct: b64uEncode(ct) }, kek });
}

/**
 * Unwraps AK from an AK source.
 * @param {{type: 'ak-source', aad: string, wrapped: {iv: string, ct: string}, kek: CryptoKey}} source
 * @param {boolean} extractable
 * @returns {Promise<CryptoKey>} AES-GCM key, usages encrypt+decrypt
 * @throws {ProtocolError} 'decrypt_failed' if the kek does not open the wrapped AK
 */
export async function akFromSource(source, extractable = false) {
  if (!source || source.type !== 'ak-source') throw new ProtocolError('bad_input', 'not an AK source');
  const { iv, ct } = decodeBox(source.wrapped);
  try {
    return await subtle().unwrapKey('raw', ct, source.kek, gcmParams(iv, source.aad), { name: 'AES-GCM' }, extractable, [
      'encrypt',
      'decrypt',
    ]);
  } catch (err) {
    throw new ProtocolError('decrypt_failed', 'could not unwrap AK', { cause: err });
  }
}

/**
 * box(wrappingKeyBytes, AK, aad) for AK given as akBytes, an AK source or an extractable akKey.
 * @returns {Promise<{iv: string, ct: string}>}
 */
async function wrapAk({ akBytes, akSource, akKey }, uid, wrappingKeyBytes, aad, iv) {
  const ivBytes = iv === undefined ? randomBytes(12) : asBytes(iv, 12, 'iv');
  if (akBytes !== undefined) return box(wrappingKeyBytes, asBytes(akBytes, 32, 'AK'), aad, ivBytes);
  let key;
  if (akSource !== undefined) {
    if (akSource?.uid !== uid) throw new ProtocolError('bad_input', 'the AK source belongs to another uid');
    key = await akFromSource(akSource, true);
  } else if (isCryptoKey(akKey)) {
    if (!akKey.extractable) {
      throw new ProtocolError(
        'bad_input',
        'a non-extractable AK cannot be re-wrapped; pass the akSource from unlockAccount/recoverAccount',
      );
    }
    key = akKey;
  } else {
    throw new ProtocolError('bad_input', 'pass akSource, akBytes or an extractable akKey');
  }
  const wk = await importAesKey(asBytes(wrappingKeyBytes, 32, 'wrapping key'), { usages: ['wrapKey'] });
  const ct = new Uint8Array(await subtle().wrapKey('raw', key, wk, gcmParams(ivBytes, aad)));
  return { iv: b64uEncode(ivBytes), ct: b64uEncode(ct) };
}

/**
 * New password secrets for a password change or a reset (§1–3): new salt_seed, auth_key and
 * wrapped_ak for the same AK. The result is JSON-ready for `POST /auth/password` `new`
 * (add `recovery` from newRecovery).
 * @param {{uid: string, email: string, password: string,
 *   akSource?: object, akBytes?: Uint8Array, akKey?: CryptoKey,
 *   kdf?: {alg: string, m: number, t: number, p: number},
 *   fixed?: {saltSeed?: Uint8Array|string, iv?: Uint8Array|string}}} args
 *   AK given as akSource (from unlockAccount/recoverAccount), raw akBytes, or an extractable
 *   akKey; `fixed` only for test vectors
 * @returns {Promise<{salt_seed: string, kdf: object, auth_key: string,
 *   wrapped_ak: {iv: string, ct: string}}>}
 */
export async function newPasswordSecrets({ uid, email, password, akSource, akBytes, akKey, kdf = KDF_FLOOR, fixed = {} }) {
  assertUuid(uid, 'uid');
  const params = checkKdf(kdf);
  const saltSeed = fixed.saltSeed !== undefined ? asBytes(fixed.saltSeed, 16, 'salt_seed') : randomBytes(16);
  const s = await deriveAccountSecrets({ email, password, saltSeed, kdf: params });
  try {
    const wrapped_ak = await wrapAk({ akBytes, akSource, akKey }, uid, s.kekBytes, AAD.ak(uid), fixed.iv);
    return { salt_seed: b64uEncode(saltSeed), kdf: params, auth_key: b64uEncode(s.authKey), wrapped_ak };
  } finally {
    wipe(s.root, s.kekBytes);
  }
}

/**
 * A new recovery key for AK (§3). Show `recoveryDisplay` once; send `recovery`.
 * @param {{uid: string, akSource?: object, akBytes?: Uint8Array, akKey?: CryptoKey,
 *   fixed?: {recoveryKey?: Uint8Array|string, iv?: Uint8Array|string}}} args
 * @returns {Promise<{recovery: {wrapped_ak: {iv: string, ct: string}, auth_key: string},
 *   recoveryKey: Uint8Array, recoveryDisplay: string}>}
 */
export async function newRecovery({ uid, akSource, akBytes, akKey, fixed = {} }) {
  assertUuid(uid, 'uid');
  const recoveryKey =
    fixed.recoveryKey !== undefined ? asBytes(fixed.recoveryKey, 32, 'recovery key').slice() : randomBytes(32);
  const { recoveryKekBytes, recoveryAuthKey } = await deriveRecoverySecrets(recoveryKey);
  try {
    const wrapped_ak = await wrapAk({ akBytes, akSource, akKey }, uid, recoveryKekBytes, AAD.akRecovery(uid), fixed.iv);
    return {
      recovery: { wrapped_ak, auth_key: b64uEncode(recoveryAuthKey) },
      recoveryKey,
      recoveryDisplay: formatRecoveryKey(recoveryKey),
    };
  } finally {
    wipe(recoveryKekBytes);
  }
}

// ---------------------------------------------------------------------------------------------
// Account creation and unlocking
// ---------------------------------------------------------------------------------------------

/**
 * Opens the wrapped identity private keys with AK.
 * @param {CryptoKey|Uint8Array} akKey AK (decrypt)
 * @param {string} uid
 * @param {{iv: string, ct: string}} wrapped_x25519
 * @param {{iv: string, ct: string}} wrapped_ed25519
 * @returns {Promise<{x25519: CryptoKey, ed25519: CryptoKey, x25519Public: Uint8Array,
 *   ed25519Public: Uint8Array}>} non-extractable private keys plus the raw public keys
 * @throws {ProtocolError} 'decrypt_failed' or 'bad_key'
 */
export async function unwrapWithAk(akKey, uid, wrapped_x25519, wrapped_ed25519) {
  assertUuid(uid, 'uid');
  const xPkcs8 = await unbox(akKey, wrapped_x25519, AAD.x25519(uid));
  let edPkcs8;
  try {
    edPkcs8 = await unbox(akKey, wrapped_ed25519, AAD.ed25519(uid));
    return {
      x25519: await importPrivateKey('X25519', xPkcs8),
      ed25519: await importPrivateKey('Ed25519', edPkcs8),
      x25519Public: await publicRawFromPkcs8('X25519', xPkcs8),
      ed25519Public: await publicRawFromPkcs8('Ed25519', edPkcs8),
    };
  } finally {
    wipe(xPkcs8, edPkcs8);
  }
}

/**
 * Registration (§1–3, §7 register): generates salt_seed, AK, the X25519 and Ed25519 pairs and
 * the recovery key, derives the password secrets (one Argon2id run) and wraps everything.
 * @param {{uid: string, email: string, password: string, kdf?: object, fixed?: {
 *   saltSeed?, ak?, x25519Pkcs8?, ed25519Pkcs8?, recoveryKey?,
 *   ivs?: {wrappedAk?, wrappedX25519?, wrappedEd25519?, recoveryWrappedAk?},
 *   secrets?: {authKey: Uint8Array, kekBytes: Uint8Array}}}} args
 *   `fixed` (bytes or b64u) only for test vectors; `fixed.secrets` skips Argon2id and must
 *   have been derived from the same email, password, saltSeed and kdf
 * @returns {Promise<{registration: object, recoveryKey: Uint8Array, recoveryDisplay: string,
 *   keys: {ak: CryptoKey, x25519: CryptoKey, ed25519: CryptoKey, x25519Public: Uint8Array,
 *   ed25519Public: Uint8Array}, bundle: object, akSource: object}>}
 *   `registration` has the §7 register fields except email/display_name/locale/invite
 */
export async function createAccount({ uid, email, password, kdf = KDF_FLOOR, fixed = {} }) {
  assertUuid(uid, 'uid');
  const params = checkKdf(kdf);
  const ivs = fixed.ivs || {};
  const copy = (v, len, name) => asBytes(v, len, name).slice();
  const saltSeed = fixed.saltSeed !== undefined ? copy(fixed.saltSeed, 16, 'saltSeed') : randomBytes(16);
  const akBytes = fixed.ak !== undefined ? copy(fixed.ak, 32, 'ak') : randomBytes(32);
  const xPkcs8 = fixed.x25519Pkcs8 !== undefined ? copy(fixed.x25519Pkcs8, undefined, 'x25519Pkcs8') : await generatePkcs8('X25519');
  const edPkcs8 = fixed.ed25519Pkcs8 !== undefined ? copy(fixed.ed25519Pkcs8, undefined, 'ed25519Pkcs8') : await generatePkcs8('Ed25519');
  let secrets;
  try {
    secrets = fixed.secrets
      ? { authKey: copy(fixed.secrets.authKey, 32, 'authKey'), kekBytes: copy(fixed.secrets.kekBytes, 32, 'kekBytes') }
      : await deriveAccountSecrets({ email, password, saltSeed, kdf: params });

    const wrapped_ak = await box(secrets.kekBytes, akBytes, AAD.ak(uid), ivs.wrappedAk);
    const wrapped_x25519 = await box(akBytes, xPkcs8, AAD.x25519(uid), ivs.wrappedX25519);
    const wrapped_ed25519 = await box(akBytes, edPkcs8, AAD.ed25519(uid), ivs.wrappedEd25519);

    const x25519Public = await publicRawFromPkcs8('X25519', xPkcs8);
    const ed25519Public = await publicRawFromPkcs8('Ed25519', edPkcs8);
    const keys = {
      ak: await importAesKey(akBytes),
      x25519: await importPrivateKey('X25519', xPkcs8),
      ed25519: await importPrivateKey('Ed25519', edPkcs8),
      x25519Public,
      ed25519Public,
    };
    const bundle = await makeBundle(uid, keys.ed25519, x25519Public, ed25519Public);
    const rec = await newRecovery({
      uid,
      akBytes,
      fixed: { recoveryKey: fixed.recoveryKey, iv: ivs.recoveryWrappedAk },
    });
    const akSource = await makeAkSource(uid, AAD.ak(uid), wrapped_ak, secrets.kekBytes);
    return {
      registration: {
        uid,
        salt_seed: b64uEncode(saltSeed),
        kdf: params,
        auth_key: b64uEncode(secrets.authKey),
        wrapped_ak,
        recovery: rec.recovery,
        bundle,
        wrapped_x25519,
        wrapped_ed25519,
      },
      recoveryKey: rec.recoveryKey,
      recoveryDisplay: rec.recoveryDisplay,
      keys,
      bundle,
      akSource,
    };
  } finally {
    wipe(akBytes, xPkcs8, edPkcs8, secrets?.root, secrets?.kekBytes);
  }
}

/**
 * Login (§1–2): derives the secrets (unless `secrets` from the prelogin step are passed),
 * unwraps AK and the identity keys, and – if `keys.bundle` is present – checks that the
 * bundle is validly signed and matches the private keys.
 * @param {{email?: string, password?: string, secrets?: {authKey: Uint8Array, kekBytes: Uint8Array,
 *   root?: Uint8Array}, keys: {uid: string, salt_seed: string, kdf: object, wrapped_ak: object,
 *   wrapped_x25519: object, wrapped_ed25519: object, bundle?: object}}} args
 * @returns {Promise<{ak: CryptoKey, x25519: CryptoKey, ed25519: CryptoKey,
 *   x25519Public: Uint8Array, ed25519Public: Uint8Array, authKey: Uint8Array, akSource: object}>}
 * @throws {ProtocolError} 'kdf_rejected' (checked before any work), 'wrong_password',
 *   'decrypt_failed', 'bundle_mismatch', 'bad_encoding'/'bad_length'/'bad_input'
 */
export async function unlockAccount({ email, password, keys, secrets }) {
  if (!keys || typeof keys !== 'object') throw new ProtocolError('bad_input', 'keys missing');
  const uid = assertUuid(keys.uid, 'keys.uid');
  const kdf = checkKdf(keys.kdf);
  asBytes(keys.salt_seed, 16, 'keys.salt_seed');
  decodeBox(keys.wrapped_ak);
  const s = secrets ?? (await deriveAccountSecrets({ email, password, saltSeed: keys.salt_seed, kdf }));
  let akSource;
  let ak;
  try {
    akSource = await makeAkSource(uid, AAD.ak(uid), keys.wrapped_ak, s.kekBytes);
    ak = await akFromSource(akSource, false);
  } catch (err) {
    if (err?.code !== 'decrypt_failed') throw err;
    throw new ProtocolError('wrong_password', 'wrong password (or the stored key is damaged)', { cause: err });
  } finally {
    if (!secrets) wipe(s.root, s.kekBytes);
  }
  const priv = await unwrapWithAk(ak, uid, keys.wrapped_x25519, keys.wrapped_ed25519);
  if (keys.bundle !== undefined) {
    const b = keys.bundle;
    const ok =
      (await verifyBundle(b, uid)) &&
      b.x25519 === b64uEncode(priv.x25519Public) &&
      b.ed25519 === b64uEncode(priv.ed25519Public);
    if (!ok) throw new ProtocolError('bundle_mismatch', 'the stored bundle does not match the private keys');
  }
  return { ak, ...priv, authKey: s.authKey, akSource };
}

/**
 * recovery_auth_key (b64u) for `POST /auth/recover`, from the recovery key as typed.
 * @param {string|Uint8Array} recoveryKey display string or 32 bytes
 * @returns {Promise<string>}
 */
export async function recoveryAuthKey(recoveryKey) {
  const rk = typeof recoveryKey === 'string' ? parseRecoveryKey(recoveryKey) : asBytes(recoveryKey, 32, 'recovery key');
  const { recoveryKekBytes, recoveryAuthKey: auth } = await deriveRecoverySecrets(rk);
  wipe(recoveryKekBytes);
  return b64uEncode(auth);
}

/**
 * Reset with the recovery key (§3): opens the recovery-wrapped AK. Use the returned akSource
 * with newPasswordSecrets and newRecovery (a reset must issue a new recovery key).
 * @param {{uid: string, recoveryKeyString?: string, recoveryKey?: Uint8Array,
 *   recovery_wrapped_ak: {iv: string, ct: string},
 *   wrapped_x25519?: object, wrapped_ed25519?: object}} args
 * @returns {Promise<{ak: CryptoKey, akSource: object, recoveryAuthKey: string,
 *   x25519?: CryptoKey, ed25519?: CryptoKey, x25519Public?: Uint8Array, ed25519Public?: Uint8Array}>}
 * @throws {ProtocolError} 'bad_recovery_key' (unparsable), 'wrong_recovery_key'
 */
export async function recoverAccount({ uid, recoveryKeyString, recoveryKey, recovery_wrapped_ak, wrapped_x25519, wrapped_ed25519 }) {
  assertUuid(uid, 'uid');
  const rk = recoveryKey !== undefined ? asBytes(recoveryKey, 32, 'recovery key') : parseRecoveryKey(recoveryKeyString);
  const { recoveryKekBytes, recoveryAuthKey: auth } = await deriveRecoverySecrets(rk);
  let akSource;
  let ak;
  try {
    akSource = await makeAkSource(uid, AAD.akRecovery(uid), recovery_wrapped_ak, recoveryKekBytes);
    ak = await akFromSource(akSource, false);
  } catch (err) {
    if (err?.code !== 'decrypt_failed') throw err;
    throw new ProtocolError('wrong_recovery_key', 'the recovery key does not open this account', { cause: err });
  } finally {
    wipe(recoveryKekBytes);
  }
  const out = { ak, akSource, recoveryAuthKey: b64uEncode(auth) };
  if (wrapped_x25519 !== undefined && wrapped_ed25519 !== undefined) {
    Object.assign(out, await unwrapWithAk(ak, uid, wrapped_x25519, wrapped_ed25519));
  }
  return out;
}
