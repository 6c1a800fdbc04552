/**
 * AES-256-GCM boxes, HKDF-SHA256 and SHA-256 on WebCrypto (PROTOCOL.md, "Notation").
 *
 * A box is `{iv, ct}` (b64u strings); `ct` carries the 16-byte GCM tag at its end, exactly
 * as WebCrypto produces it. Every box gets a fresh random 12-byte IV unless the caller passes
 * one (test vectors only).
 *
 * @module crypto/aead
 */
import { ProtocolError, asBytes, assertBytes, b64uEncode, randomBytes, utf8Encode } from './encoding.js';

const subtle = () => globalThis.crypto.subtle;
/** @type {KeyUsage[]} */
const AES_USAGES = ['encrypt', 'decrypt'];

/**
 * @param {unknown} value
 * @returns {value is CryptoKey} true for a WebCrypto CryptoKey (duck-typed, works across realms)
 */
export function isCryptoKey(value) {
  if (typeof CryptoKey !== 'undefined' && value instanceof CryptoKey) return true;
  const key = /** @type {{type?: unknown, algorithm?: unknown, usages?: unknown}|null} */ (value);
  return (
    key !== null &&
    typeof key === 'object' &&
    typeof key.type === 'string' &&
    typeof key.algorithm === 'object' &&
    Array.isArray(key.usages)
  );
}

/**
 * Imports 32 raw bytes as an AES-256-GCM key.
 * @param {Uint8Array} bytes 32 bytes
 * @param {{extractable?: boolean, usages?: KeyUsage[]}} [options] default non-extractable,
 *   usages encrypt+decrypt
 * @returns {Promise<CryptoKey>}
 */
export async function importAesKey(bytes, { extractable = false, usages = AES_USAGES } = {}) {
  assertBytes(bytes, 32, 'AES key');
  return subtle().importKey('raw', bytes, { name: 'AES-GCM' }, extractable, usages);
}

/**
 * Returns `key` if it is an AES-GCM CryptoKey, else imports it from 32 bytes (non-extractable).
 * @param {CryptoKey|Uint8Array} key
 * @returns {Promise<CryptoKey>}
 */
export async function asAesKey(key) {
  if (isCryptoKey(key)) {
    if (key.algorithm?.name !== 'AES-GCM') throw new ProtocolError('bad_key', 'expected an AES-GCM key');
    return key;
  }
  return importAesKey(asBytes(key, 32, 'AES key'));
}

/**
 * Builds the AES-GCM parameters for one operation.
 * @param {Uint8Array} iv 12 bytes
 * @param {string} aad
 * @returns {AesGcmParams}
 */
export function gcmParams(iv, aad) {
  if (typeof aad !== 'string') throw new ProtocolError('bad_input', 'AAD must be a string');
  return { name: 'AES-GCM', iv: assertBytes(iv, 12, 'iv'), additionalData: utf8Encode(aad), tagLength: 128 };
}

/**
 * box(k, data, aad) = {iv, ct} with ct = AES-256-GCM(k, iv, data, utf8(aad)).
 * @param {CryptoKey|Uint8Array} key AES-GCM CryptoKey (usage encrypt) or 32 raw bytes
 * @param {Uint8Array} dataBytes plaintext
 * @param {string} aadString additional authenticated data (UTF-8 encoded)
 * @param {Uint8Array|string} [iv] fixed 12-byte IV (bytes or b64u) – test vectors only;
 *   default: fresh random IV
 * @returns {Promise<{iv: string, ct: string}>} b64u strings
 */
export async function box(key, dataBytes, aadString, iv) {
  assertBytes(dataBytes, undefined, 'box data');
  const ivBytes = iv === undefined ? randomBytes(12) : asBytes(iv, 12, 'iv');
  const k = await asAesKey(key);
  const ct = new Uint8Array(await subtle().encrypt(gcmParams(ivBytes, aadString), k, dataBytes));
  return { iv: b64uEncode(ivBytes), ct: b64uEncode(ct) };
}

/**
 * Decodes and length-checks a box.
 * @param {{iv: string, ct: string}} boxed
 * @returns {{iv: Uint8Array, ct: Uint8Array}}
 */
export function decodeBox(boxed) {
  if (!boxed || typeof boxed !== 'object') throw new ProtocolError('bad_input', 'box must be an object {iv, ct}');
  const iv = asBytes(boxed.iv, 12, 'box.iv');
  const ct = asBytes(boxed.ct, undefined, 'box.ct');
  if (ct.length < 16) throw new ProtocolError('bad_length', 'box.ct is shorter than the GCM tag');
  return { iv, ct };
}

/**
 * Opens a box.
 * @param {CryptoKey|Uint8Array} key AES-GCM CryptoKey (usage decrypt) or 32 raw bytes
 * @param {{iv: string, ct: string}} boxed
 * @param {string} aadString
 * @returns {Promise<Uint8Array>} plaintext
 * @throws {ProtocolError} 'decrypt_failed' when authentication fails (wrong key, wrong AAD,
 *   tampered iv/ct); 'bad_encoding'/'bad_length' for malformed boxes
 */
export async function unbox(key, boxed, aadString) {
  return unboxDecoded(key, decodeBox(boxed), aadString);
}

/**
 * unbox() of a box already decoded with decodeBox (a caller that also hashes the bytes
 * decodes them once).
 * @param {CryptoKey|Uint8Array} key
 * @param {{iv: Uint8Array, ct: Uint8Array}} decoded
 * @param {string} aadString
 * @returns {Promise<Uint8Array>} plaintext
 * @throws {ProtocolError} 'decrypt_failed'
 */
export async function unboxDecoded(key, { iv, ct }, aadString) {
  const k = await asAesKey(key);
  const params = gcmParams(iv, aadString);
  try {
    return new Uint8Array(await subtle().decrypt(params, k, ct));
  } catch (err) {
    throw new ProtocolError('decrypt_failed', 'decryption failed (wrong key or tampered data)', { cause: err });
  }
}

/**
 * Opens a box whose content is a 32-byte AES key and returns it as a non-extractable
 * AES-256-GCM CryptoKey (usage decrypt) in one WebCrypto operation (unwrapKey): the key's
 * bytes never reach JavaScript. `wrappingKey` needs the usage unwrapKey. Same checks as
 * unbox() plus the length: anything but 32 bytes inside is 'bad_length'.
 * @param {CryptoKey} wrappingKey AES-GCM key with usage unwrapKey
 * @param {{iv: string, ct: string}} boxed
 * @param {string} aadString
 * @returns {Promise<CryptoKey>}
 * @throws {ProtocolError} 'decrypt_failed', 'bad_length', 'bad_encoding'/'bad_length' for
 *   malformed boxes
 */
export async function unboxAesKey(wrappingKey, boxed, aadString) {
  const { iv, ct } = decodeBox(boxed);
  const params = gcmParams(iv, aadString);
  let key;
  try {
    key = await subtle().unwrapKey('raw', ct, wrappingKey, params, { name: 'AES-GCM' }, false, ['decrypt']);
  } catch (err) {
    // OperationError: the box did not open; DataError: what it holds is no AES key.
    if (/** @type {any} */ (err)?.name === 'OperationError') {
      throw new ProtocolError('decrypt_failed', 'decryption failed (wrong key or tampered data)', { cause: err });
    }
    throw new ProtocolError('bad_length', 'the envelope does not hold a 32-byte key', { cause: err });
  }
  if (/** @type {AesKeyAlgorithm} */ (key.algorithm).length !== 256) {
    throw new ProtocolError('bad_length', 'the envelope does not hold a 32-byte key');
  }
  return key;
}

/**
 * HKDF-SHA256 with 32 bytes of output.
 * @param {Uint8Array} ikmBytes input key material
 * @param {string} infoString info (UTF-8 encoded)
 * @param {Uint8Array} [saltBytes] default empty (same as Python's salt=None)
 * @returns {Promise<Uint8Array>} 32 bytes
 */
export async function hkdf(ikmBytes, infoString, saltBytes = new Uint8Array(0)) {
  assertBytes(ikmBytes, undefined, 'HKDF ikm');
  assertBytes(saltBytes, undefined, 'HKDF salt');
  const ikm = await subtle().importKey('raw', ikmBytes, 'HKDF', false, ['deriveBits']);
  const bits = await subtle().deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: saltBytes, info: utf8Encode(infoString) },
    ikm,
    256,
  );
  return new Uint8Array(bits);
}

/**
 * HKDF-SHA256 straight to a non-extractable AES-256-GCM key with the given usages (the same
 * 32 bytes hkdf() returns, never in JavaScript).
 * @param {Uint8Array} ikmBytes
 * @param {string} infoString
 * @param {Uint8Array} saltBytes
 * @param {KeyUsage[]} usages
 * @returns {Promise<CryptoKey>}
 */
export async function hkdfAesKey(ikmBytes, infoString, saltBytes, usages) {
  assertBytes(ikmBytes, undefined, 'HKDF ikm');
  assertBytes(saltBytes, undefined, 'HKDF salt');
  const ikm = await subtle().importKey('raw', ikmBytes, 'HKDF', false, ['deriveKey']);
  return subtle().deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: saltBytes, info: utf8Encode(infoString) },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    usages,
  );
}

/**
 * @param {Uint8Array} bytes
 * @returns {Promise<Uint8Array>} SHA-256 digest (32 bytes)
 */
export async function sha256(bytes) {
  assertBytes(bytes, undefined, 'sha256 input');
  return new Uint8Array(await subtle().digest('SHA-256', bytes));
}
