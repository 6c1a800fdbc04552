/**
 * Byte/string encodings for the Välitila protocol v1 (PROTOCOL.md, "Notation").
 *
 * Pure ES module without DOM access: runs unchanged in browsers, workers and Node 20.
 * Everything here is synchronous; randomness comes from `globalThis.crypto.getRandomValues`.
 *
 * @module crypto/encoding
 */

/**
 * Error thrown by the crypto modules. `code` is a stable machine-readable reason, e.g.
 * 'bad_encoding', 'bad_length', 'bad_input', 'decrypt_failed', 'bad_signature',
 * 'header_mismatch', 'bad_payload', 'kdf_rejected', 'wrong_password',
 * 'wrong_recovery_key', 'bad_recovery_key', 'bad_key', 'bundle_mismatch',
 * 'unknown_envelope', 'recipient_mismatch'.
 */
export class ProtocolError extends Error {
  /**
   * @param {string} code machine-readable reason
   * @param {string} message human-readable explanation (English, for logs/developers)
   * @param {{cause?: unknown}} [options]
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

const B64U = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Each b64u character's value by its UTF-16 code unit (−1: not in the alphabet).
const B64U_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64U.length; i++) B64U_VALUE[B64U.charCodeAt(i)] = i;
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B32_INDEX = new Map([...B32].map((c, i) => [c, i]));

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Throws unless `value` is a Uint8Array (of `expectedLength` bytes when given).
 * @param {unknown} value
 * @param {number} [expectedLength]
 * @param {string} [name] used in the error message
 * @returns {Uint8Array} the same array
 */
export function assertBytes(value, expectedLength, name = 'value') {
  if (!(value instanceof Uint8Array)) {
    throw new ProtocolError('bad_input', `${name} must be a Uint8Array`);
  }
  if (expectedLength !== undefined && value.length !== expectedLength) {
    throw new ProtocolError(
      'bad_length',
      `${name} must be ${expectedLength} bytes, got ${value.length}`,
    );
  }
  return value;
}

/**
 * Accepts a Uint8Array, an ArrayBuffer or a b64u string and returns bytes (strictly decoded,
 * length-checked). The returned array may share memory with the input.
 * @param {Uint8Array|ArrayBuffer|string} value
 * @param {number} [expectedLength]
 * @param {string} [name]
 * @returns {Uint8Array}
 */
export function asBytes(value, expectedLength, name = 'value') {
  if (typeof value === 'string') {
    try {
      return b64uDecode(value, expectedLength);
    } catch (err) {
      throw new ProtocolError(err.code || 'bad_encoding', `${name}: ${err.message}`, { cause: err });
    }
  }
  if (value instanceof ArrayBuffer) value = new Uint8Array(value);
  return assertBytes(value, expectedLength, name);
}

/**
 * Base64url without padding (RFC 4648 §5).
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function b64uEncode(bytes) {
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  assertBytes(bytes, undefined, 'b64uEncode input');
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64U[n >> 18] + B64U[(n >> 12) & 63] + B64U[(n >> 6) & 63] + B64U[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += B64U[n >> 18] + B64U[(n >> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64U[n >> 18] + B64U[(n >> 12) & 63] + B64U[(n >> 6) & 63];
  }
  return out;
}

/**
 * Strict base64url decoding: rejects padding, characters outside the url-safe alphabet,
 * impossible lengths and non-canonical encodings (non-zero unused trailing bits).
 * @param {string} str
 * @param {number} [expectedLength] decoded length the caller requires
 * @returns {Uint8Array}
 * @throws {ProtocolError} code 'bad_encoding' or 'bad_length'
 */
export function b64uDecode(str, expectedLength) {
  if (typeof str !== 'string') throw new ProtocolError('bad_encoding', 'b64u input must be a string');
  const len = str.length;
  if (len % 4 === 1) throw new ProtocolError('bad_encoding', 'invalid b64u length');
  // One pass over the code units with a lookup table (a page opens hundreds of items, each
  // with several b64u fields): every character is checked before it is used.
  const value = (k) => {
    const code = str.charCodeAt(k);
    const v = code < 128 ? B64U_VALUE[code] : -1;
    if (v < 0) throw new ProtocolError('bad_encoding', `invalid b64u character at position ${k}`);
    return v;
  };
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    const n = (value(k) << 18) | (value(k + 1) << 12) | (value(k + 2) << 6) | value(k + 3);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  const rest = len - k;
  if (rest === 2) {
    const a = value(k);
    const b = value(k + 1);
    if (b & 15) throw new ProtocolError('bad_encoding', 'non-canonical b64u');
    out[o++] = (a << 2) | (b >> 4);
  } else if (rest === 3) {
    const a = value(k);
    const b = value(k + 1);
    const c = value(k + 2);
    if (c & 3) throw new ProtocolError('bad_encoding', 'non-canonical b64u');
    const n = (a << 12) | (b << 6) | c;
    out[o++] = n >> 10;
    out[o++] = (n >> 2) & 255;
  }
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new ProtocolError('bad_length', `expected ${expectedLength} bytes, got ${out.length}`);
  }
  return out;
}

/**
 * @param {string} str
 * @returns {Uint8Array} UTF-8 bytes (lone surrogates become U+FFFD, as TextEncoder does)
 */
export function utf8Encode(str) {
  if (typeof str !== 'string') throw new ProtocolError('bad_input', 'utf8Encode needs a string');
  return textEncoder.encode(str);
}

/**
 * Strict UTF-8 decoding (throws on malformed input; a leading BOM is kept, not stripped).
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function utf8Decode(bytes) {
  assertBytes(bytes, undefined, 'utf8Decode input');
  try {
    return textDecoder.decode(bytes);
  } catch (err) {
    throw new ProtocolError('bad_encoding', 'invalid UTF-8', { cause: err });
  }
}

/**
 * @param {...Uint8Array} arrays
 * @returns {Uint8Array} a new array holding all inputs in order
 */
export function concatBytes(...arrays) {
  let len = 0;
  for (const a of arrays) len += assertBytes(a, undefined, 'concatBytes argument').length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/**
 * @param {number} n
 * @returns {Uint8Array} n bytes from the platform CSPRNG
 */
export function randomBytes(n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new ProtocolError('bad_input', 'randomBytes: bad length');
  const out = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  }
  return out;
}

/**
 * Compares two byte arrays without early exit on the first difference.
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 * @returns {boolean}
 */
export function bytesEqual(a, b) {
  assertBytes(a);
  assertBytes(b);
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Best-effort overwrite of secret bytes that are no longer needed.
 * @param {...(Uint8Array|undefined|null)} arrays
 */
export function wipe(...arrays) {
  for (const a of arrays) if (a instanceof Uint8Array) a.fill(0);
}

/**
 * RFC 4648 base32, upper case, without padding.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function base32Encode(bytes) {
  assertBytes(bytes, undefined, 'base32Encode input');
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += B32[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(acc << (5 - bits)) & 31];
  return out;
}

/**
 * Strict RFC 4648 base32 decoding (upper case, no padding, canonical trailing bits).
 * @param {string} str
 * @returns {Uint8Array}
 * @throws {ProtocolError} code 'bad_encoding'
 */
export function base32Decode(str) {
  if (typeof str !== 'string') throw new ProtocolError('bad_encoding', 'base32 input must be a string');
  if ([1, 3, 6].includes(str.length % 8)) throw new ProtocolError('bad_encoding', 'invalid base32 length');
  const out = new Uint8Array(Math.floor((str.length * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let k = 0; k < str.length; k++) {
    const v = B32_INDEX.get(str[k]);
    if (v === undefined) throw new ProtocolError('bad_encoding', `invalid base32 character at position ${k}`);
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[o++] = (acc >> (bits - 8)) & 255;
      bits -= 8;
    }
  }
  if (acc & ((1 << bits) - 1)) throw new ProtocolError('bad_encoding', 'non-canonical base32');
  return out;
}

/** Number of base32 characters of a 32-byte recovery key. */
const RK_CHARS = 52;

/**
 * Recovery key display form (PROTOCOL §3): base32 in groups of 4 joined by '-'.
 * @param {Uint8Array} bytes32
 * @returns {string} e.g. "EJGV-D7P7-...-464Q" (13 groups)
 */
export function formatRecoveryKey(bytes32) {
  assertBytes(bytes32, 32, 'recovery key');
  return base32Encode(bytes32).match(/.{1,4}/g).join('-');
}

/**
 * Parses a recovery key typed or pasted by a person. Tolerates lower case, whitespace,
 * missing or extra dashes (also Unicode dashes) and full-width characters (NFKC).
 * @param {string} str
 * @returns {Uint8Array} 32 bytes
 * @throws {ProtocolError} code 'bad_recovery_key' with a message saying what is wrong
 */
export function parseRecoveryKey(str) {
  if (typeof str !== 'string') throw new ProtocolError('bad_recovery_key', 'The recovery key must be text.');
  const cleaned = str
    .normalize('NFKC')
    .replace(/[\s\-\u2010-\u2015\u2212_]/gu, '')
    .toUpperCase();
  const invalid = [...new Set([...cleaned].filter((c) => !B32_INDEX.has(c)))];
  if (invalid.length) {
    throw new ProtocolError(
      'bad_recovery_key',
      `The recovery key contains characters that cannot occur in it: ${invalid.join(' ')} ` +
        '(it uses only the letters A–Z and the digits 2–7).',
    );
  }
  if (cleaned.length !== RK_CHARS) {
    throw new ProtocolError(
      'bad_recovery_key',
      `The recovery key has ${cleaned.length} characters; it should have ${RK_CHARS} (13 groups of 4).`,
    );
  }
  try {
    return base32Decode(cleaned);
  } catch (err) {
    throw new ProtocolError('bad_recovery_key', 'The recovery key is not valid (check the last group).', {
      cause: err,
    });
  }
}

/**
 * @param {unknown} value
 * @returns {value is string} true for a lowercase UUID string (8-4-4-4-12 hex)
 */
export function isUuid(value) {
  return typeof value === 'string' && UUID_RE.test(value);
}

/**
 * Throws unless `value` is a lowercase UUID. Ids are embedded in '|'-separated strings that
 * get signed or used as AAD, so they must never contain separators.
 * @param {unknown} value
 * @param {string} [name]
 * @returns {string}
 */
export function assertUuid(value, name = 'id') {
  if (!isUuid(value)) throw new ProtocolError('bad_input', `${name} must be a lowercase UUID`);
  return value;
}
