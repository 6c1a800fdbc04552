/**
 * Sealed items (PROTOCOL.md §4) and envelopes (§5).
 *
 * Decrypted payloads are untrusted data: this module only returns them; rendering code must
 * use textContent, never innerHTML.
 *
 * @module crypto/envelope
 */
import { asAesKey, box, decodeBox, hkdf, hkdfAesKey, importAesKey, sha256, unbox, unboxAesKey, unboxDecoded } from './aead.js';
import {
  ProtocolError,
  asBytes,
  assertBytes,
  assertUuid,
  b64uDecode,
  b64uEncode,
  concatBytes,
  randomBytes,
  utf8Decode,
  utf8Encode,
  wipe,
} from './encoding.js';
import {
  ed25519Sign,
  importPrivateKey,
  importPublicKey,
  pkcs8FromRaw,
  x25519PublicFromPrivate,
  x25519SharedSecret,
} from './identity.js';

const PAD_BLOCK = 256;
const ITEM_SIG_PREFIX = utf8Encode('valitila/v1/item|');

/** @returns {Uint8Array} a fresh 32-byte data encryption key */
export function newDek() {
  return randomBytes(32);
}

/**
 * Serialises a payload the way Python's `json.dumps(obj, ensure_ascii=False)` does with its
 * default separators (", " and ": "), which is what the protocol test vectors use, so that
 * browser and Python clients seal identical plaintexts. Values are first normalised by
 * JSON.stringify semantics (toJSON, undefined members dropped). Known differences from Python
 * remain for floats with integral values (JS writes 1, Python 1.0) and exponent formats.
 * @param {unknown} obj
 * @returns {string}
 */
export function payloadJson(obj) {
  const compact = JSON.stringify(obj);
  if (typeof compact !== 'string') throw new ProtocolError('bad_input', 'payload is not JSON-serialisable');
  const write = (v) => {
    if (Array.isArray(v)) return `[${v.map(write).join(', ')}]`;
    if (v !== null && typeof v === 'object') {
      return `{${Object.entries(v)
        .map(([k, x]) => `${JSON.stringify(k)}: ${write(x)}`)
        .join(', ')}}`;
    }
    return JSON.stringify(v);
  };
  return write(JSON.parse(compact));
}

/**
 * utf8(JSON payload) padded with ASCII spaces to a multiple of 256 bytes (at least 256).
 * The JSON text is payloadJson(obj).
 * @param {unknown} obj JSON-serialisable payload
 * @returns {Uint8Array}
 */
export function padPayload(obj) {
  const bytes = utf8Encode(payloadJson(obj));
  const len = Math.max(PAD_BLOCK, Math.ceil(bytes.length / PAD_BLOCK) * PAD_BLOCK);
  const out = new Uint8Array(len).fill(0x20);
  out.set(bytes);
  return out;
}

function checkItemFields({ id, kind, rev, by }) {
  assertUuid(id, 'item id');
  assertUuid(by, 'author uid');
  if (typeof kind !== 'string' || kind.length === 0) throw new ProtocolError('bad_input', 'kind must be a non-empty string');
  if (!Number.isSafeInteger(rev) || rev < 1) throw new ProtocolError('bad_input', 'rev must be a positive integer');
}

/**
 * The item header JSON, keys in the order v, kind, id, rev, by.
 * @param {{id: string, kind: string, rev: number, by: string}} fields
 * @returns {string}
 */
export function itemHeader({ id, kind, rev, by }) {
  checkItemFields({ id, kind, rev, by });
  return JSON.stringify({ v: 1, kind, id, rev, by });
}

/**
 * content_hash = SHA256(utf8(h) || iv || ct)
 * @param {{h: string, iv: string, ct: string}} sealed
 * @returns {Promise<Uint8Array>} 32 bytes
 */
export async function contentHash(sealed) {
  if (!sealed || typeof sealed.h !== 'string') throw new ProtocolError('bad_input', 'sealed.h missing');
  const { iv, ct } = decodeBox(sealed);
  return sha256(concatBytes(utf8Encode(sealed.h), iv, ct));
}

/**
 * Seals and signs an item (§4). An edit keeps the DEK, bumps rev and calls this again
 * (a fresh IV each time).
 * @param {{id: string, kind: string, rev: number, by: string, payload: unknown,
 *   dek: Uint8Array|CryptoKey, signingKey: CryptoKey, iv?: Uint8Array|string}} args
 *   signingKey: the author's Ed25519 private key; iv only for test vectors
 * @returns {Promise<{sealed: {h: string, iv: string, ct: string}, sig: string, contentHash: string}>}
 *   all b64u
 */
export async function sealItem({ id, kind, rev, by, payload, dek, signingKey, iv }) {
  const h = b64uEncode(utf8Encode(itemHeader({ id, kind, rev, by })));
  const pt = padPayload(payload);
  const boxed = await box(await asAesKey(dek), pt, h, iv);
  const sealed = { h, iv: boxed.iv, ct: boxed.ct };
  const hash = await contentHash(sealed);
  const sig = await ed25519Sign(signingKey, concatBytes(ITEM_SIG_PREFIX, hash));
  return { sealed, sig: b64uEncode(sig), contentHash: b64uEncode(hash) };
}

function fail(code, message, cause) {
  return new ProtocolError(code, message, cause === undefined ? undefined : { cause });
}

/**
 * Verifies and opens an item. Order: signature over content_hash with the author's (pinned)
 * Ed25519 key, then header v/kind/id/rev/by against the item, then decryption, then JSON.
 * @param {{item: {id: string, kind: string, rev: number, author: string,
 *   sealed: {h: string, iv: string, ct: string}, sig: string},
 *   dek: Uint8Array|CryptoKey, authorEd25519: Uint8Array|string|CryptoKey}} args
 * @returns {Promise<unknown>} the payload (untrusted data)
 * @throws {ProtocolError} 'bad_signature', 'header_mismatch', 'decrypt_failed', 'bad_payload',
 *   'bad_key', 'bad_input', 'bad_encoding'/'bad_length'
 */
export async function openItem({ item, dek, authorEd25519 }) {
  if (!item || typeof item !== 'object' || !item.sealed) throw fail('bad_input', 'item.sealed missing');
  const { sealed } = item;
  const authorKey = await importPublicKey('Ed25519', authorEd25519);
  if (typeof sealed.h !== 'string') throw new ProtocolError('bad_input', 'sealed.h missing');
  const decoded = decodeBox(sealed); // once, for the hash and the decryption
  const hash = await sha256(concatBytes(utf8Encode(sealed.h), decoded.iv, decoded.ct));
  let sig;
  try {
    sig = asBytes(item.sig, 64, 'item.sig');
  } catch (err) {
    throw fail('bad_signature', 'item signature missing or malformed', err);
  }
  const ok = await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, authorKey, sig, concatBytes(ITEM_SIG_PREFIX, hash));
  if (!ok) throw fail('bad_signature', 'item signature does not verify with the author key');

  let header;
  try {
    header = JSON.parse(utf8Decode(b64uDecode(sealed.h)));
  } catch (err) {
    throw fail('header_mismatch', 'item header is malformed', err);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw fail('header_mismatch', 'item header is not an object');
  const expected = { v: 1, kind: item.kind, id: item.id, rev: item.rev, by: item.author };
  for (const [k, v] of Object.entries(expected)) {
    if (header[k] !== v) throw fail('header_mismatch', `item header field "${k}" does not match the item`);
  }

  const pt = await unboxDecoded(await asAesKey(dek), decoded, sealed.h);
  try {
    return JSON.parse(utf8Decode(pt));
  } catch (err) {
    throw fail('bad_payload', 'item payload is not valid UTF-8 JSON', err);
  }
}

// ---------------------------------------------------------------------------------------------
// Envelopes
// ---------------------------------------------------------------------------------------------

const ownerAad = (itemId, uid) => `valitila/v1/env|${itemId}|${uid}`;

/**
 * info = "valitila/v1/share|" + item_id + "|" + recipient uid (HKDF info and box AAD).
 * @param {string} itemId
 * @param {string} recipientUid
 * @returns {string}
 */
export function shareInfo(itemId, recipientUid) {
  return `valitila/v1/share|${assertUuid(itemId, 'item id')}|${assertUuid(recipientUid, 'recipient uid')}`;
}

/**
 * wrap_key = HKDF(shared, info, salt = eph_pub_raw || xR_raw)
 * @param {Uint8Array} sharedSecret 32 bytes (X25519 output)
 * @param {string} itemId
 * @param {string} recipientUid
 * @param {Uint8Array} epkRaw 32 bytes
 * @param {Uint8Array} recipientRaw 32 bytes
 * @returns {Promise<Uint8Array>} 32 bytes
 */
export async function shareWrapKey(sharedSecret, itemId, recipientUid, epkRaw, recipientRaw) {
  assertBytes(sharedSecret, 32, 'shared secret');
  const salt = concatBytes(assertBytes(epkRaw, 32, 'epk'), assertBytes(recipientRaw, 32, 'recipient key'));
  return hkdf(sharedSecret, shareInfo(itemId, recipientUid), salt);
}

function checkEnvelope(env, type, myUid) {
  if (!env || typeof env !== 'object') throw fail('bad_input', 'envelope missing');
  if (env.type !== type) throw fail('unknown_envelope', `expected a "${type}" envelope`);
  if (env.recipient !== undefined && env.recipient !== myUid) {
    throw fail('recipient_mismatch', 'the envelope is addressed to someone else');
  }
}

function checkDek(dek) {
  if (dek.length !== 32) {
    wipe(dek);
    throw fail('bad_length', 'the envelope does not hold a 32-byte key');
  }
  return dek;
}

/**
 * Owner envelope: {recipient: uid, type: 'ak', ...box(AK, DEK, "valitila/v1/env|" + item_id + "|" + uid)}
 * @param {CryptoKey|Uint8Array} akKey
 * @param {Uint8Array} dekBytes 32 bytes
 * @param {string} itemId
 * @param {string} uid the owner
 * @param {Uint8Array|string} [iv] test vectors only
 * @returns {Promise<{recipient: string, type: 'ak', iv: string, ct: string}>}
 */
export async function ownerEnvelope(akKey, dekBytes, itemId, uid, iv) {
  assertBytes(dekBytes, 32, 'DEK');
  assertUuid(itemId, 'item id');
  assertUuid(uid, 'uid');
  const b = await box(akKey, dekBytes, ownerAad(itemId, uid), iv);
  return { recipient: uid, type: 'ak', iv: b.iv, ct: b.ct };
}

/**
 * @param {CryptoKey|Uint8Array} akKey
 * @param {{recipient?: string, type: 'ak', iv: string, ct: string}} env
 * @param {string} itemId
 * @param {string} uid
 * @returns {Promise<Uint8Array>} the DEK (32 bytes)
 * @throws {ProtocolError} 'decrypt_failed', 'unknown_envelope', 'recipient_mismatch'
 */
export async function openOwnerEnvelope(akKey, env, itemId, uid) {
  assertUuid(itemId, 'item id');
  assertUuid(uid, 'uid');
  checkEnvelope(env, 'ak', uid);
  return checkDek(await unbox(akKey, env, ownerAad(itemId, uid)));
}

/**
 * Share envelope for recipient R (§5) with a fresh ephemeral X25519 key pair.
 * @param {Uint8Array} dekBytes 32 bytes
 * @param {string} itemId
 * @param {string} recipientUid
 * @param {string|Uint8Array} recipientX25519B64u R's X25519 public key from R's pinned bundle
 * @param {{ephPrivatePkcs8OrRaw?: Uint8Array|string, iv?: Uint8Array|string}} [fixed]
 *   test vectors only: the ephemeral private key (raw 32 bytes or PKCS#8) and the IV
 * @returns {Promise<{recipient: string, type: 'x25519', epk: string, iv: string, ct: string}>}
 */
export async function shareEnvelope(dekBytes, itemId, recipientUid, recipientX25519B64u, { ephPrivatePkcs8OrRaw, iv } = {}) {
  assertBytes(dekBytes, 32, 'DEK');
  const info = shareInfo(itemId, recipientUid);
  const xR = asBytes(recipientX25519B64u, 32, 'recipient X25519 key');
  let ephPriv;
  let epk;
  if (ephPrivatePkcs8OrRaw !== undefined) {
    const b = asBytes(ephPrivatePkcs8OrRaw, undefined, 'ephemeral private key');
    ephPriv = await importPrivateKey('X25519', b.length === 32 ? pkcs8FromRaw('X25519', b) : b);
    epk = await x25519PublicFromPrivate(ephPriv);
  } else {
    const pair = /** @type {CryptoKeyPair} */ (
      await globalThis.crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])
    );
    ephPriv = pair.privateKey;
    epk = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', pair.publicKey));
  }
  const shared = await x25519SharedSecret(ephPriv, xR);
  const wrapKey = await shareWrapKey(shared, itemId, recipientUid, epk, xR);
  try {
    const b = await box(wrapKey, dekBytes, info, iv);
    return { recipient: recipientUid, type: 'x25519', epk: b64uEncode(epk), iv: b.iv, ct: b.ct };
  } finally {
    wipe(shared, wrapKey);
  }
}

/**
 * Opens a share envelope with my X25519 private key.
 * @param {CryptoKey} x25519PrivateKey (deriveBits; may be non-extractable)
 * @param {{recipient?: string, type: 'x25519', epk: string, iv: string, ct: string}} env
 * @param {string} itemId
 * @param {string} myUid
 * @param {Uint8Array|string} [myX25519Public] my raw public key; computed from the private
 *   key when omitted
 * @returns {Promise<Uint8Array>} the DEK (32 bytes)
 * @throws {ProtocolError} 'decrypt_failed', 'bad_key', 'unknown_envelope', 'recipient_mismatch'
 */
export async function openShareEnvelope(x25519PrivateKey, env, itemId, myUid, myX25519Public) {
  const info = shareInfo(itemId, myUid);
  checkEnvelope(env, 'x25519', myUid);
  const epk = asBytes(env.epk, 32, 'envelope.epk');
  const myPub =
    myX25519Public !== undefined ? asBytes(myX25519Public, 32, 'my X25519 key') : await x25519PublicFromPrivate(x25519PrivateKey);
  const shared = await x25519SharedSecret(x25519PrivateKey, epk);
  const wrapKey = await shareWrapKey(shared, itemId, myUid, epk, myPub);
  try {
    return checkDek(await unbox(wrapKey, env, info));
  } finally {
    wipe(shared, wrapKey);
  }
}

/**
 * Opens my envelope of either type, giving the DEK as a non-extractable AES-GCM CryptoKey
 * (usage decrypt) instead of its bytes: for reading an item (openItem takes it as it is),
 * with fewer WebCrypto operations than openEnvelope + import. A share envelope's wrap key is
 * derived by HKDF straight into an AES key and the DEK unwrapped with it (unwrapKey), so
 * neither the wrap key nor the DEK ever exists as bytes here; an owner envelope's DEK is
 * imported and its bytes wiped. Same checks and error codes as openEnvelope.
 * @param {{ak: CryptoKey, x25519: CryptoKey, x25519Public?: Uint8Array}} keys
 * @param {{recipient?: string, type: 'ak', iv: string, ct: string}
 *   | {recipient?: string, type: 'x25519', epk: string, iv: string, ct: string}} env
 * @param {string} itemId
 * @param {string} myUid
 * @returns {Promise<CryptoKey>} the DEK
 * @throws {ProtocolError} 'decrypt_failed', 'bad_key', 'bad_length', 'unknown_envelope',
 *   'recipient_mismatch'
 */
export async function openEnvelopeKey(keys, env, itemId, myUid) {
  if (!keys || typeof keys !== 'object') throw fail('bad_input', 'keys missing');
  if (env?.type === 'ak') {
    const dek = await openOwnerEnvelope(keys.ak, env, itemId, myUid);
    try {
      return await importAesKey(dek, { usages: ['decrypt'] });
    } finally {
      wipe(dek);
    }
  }
  if (env?.type !== 'x25519') {
    throw fail('unknown_envelope', `unknown envelope type ${String(/** @type {{type?: unknown}} */ (env)?.type)}`);
  }
  const info = shareInfo(itemId, myUid);
  checkEnvelope(env, 'x25519', myUid);
  const epk = asBytes(env.epk, 32, 'envelope.epk');
  const myPub =
    keys.x25519Public !== undefined ? asBytes(keys.x25519Public, 32, 'my X25519 key') : await x25519PublicFromPrivate(keys.x25519);
  const shared = await x25519SharedSecret(keys.x25519, epk);
  try {
    const wrapKey = await hkdfAesKey(shared, info, concatBytes(epk, myPub), ['unwrapKey']);
    return await unboxAesKey(wrapKey, env, info);
  } finally {
    wipe(shared);
  }
}

/**
 * Opens my envelope of either type.
 * @param {{ak: CryptoKey, x25519: CryptoKey, x25519Public?: Uint8Array}} keys
 * @param {{recipient?: string, type: 'ak', iv: string, ct: string}
 *   | {recipient?: string, type: 'x25519', epk: string, iv: string, ct: string}} env
 * @param {string} itemId
 * @param {string} myUid
 * @returns {Promise<Uint8Array>} the DEK
 */
export async function openEnvelope(keys, env, itemId, myUid) {
  if (!keys || typeof keys !== 'object') throw fail('bad_input', 'keys missing');
  switch (env?.type) {
    case 'ak':
      return openOwnerEnvelope(keys.ak, env, itemId, myUid);
    case 'x25519':
      return openShareEnvelope(keys.x25519, env, itemId, myUid, keys.x25519Public);
    default:
      throw fail('unknown_envelope', `unknown envelope type ${String(/** @type {{type?: unknown}} */ (env)?.type)}`);
  }
}
