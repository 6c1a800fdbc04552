/**
 * Account secrets from email + password (PROTOCOL.md §1) and from the recovery key (§3).
 *
 *   email_n  = NFKC(email).strip().lower()
 *   salt     = SHA256(utf8("valitila/v1/salt|" + email_n + "|") || salt_seed)[0:16]
 *   root     = Argon2id(utf8(NFKC(password)), salt, m, t, p, 32 bytes)
 *   auth_key = HKDF(root, "valitila/v1/auth");  kek = HKDF(root, "valitila/v1/kek")
 *
 * Argon2id comes from hash-wasm (vendored as webapp/static/vendor/argon2.mjs), imported on the
 * first derivation only, so that a page which never derives a key never loads it; the page's
 * CSP needs 'wasm-unsafe-eval'. With m = 64 MiB one derivation takes roughly 0.3–1 s.
 *
 * @module crypto/kdf
 */
import { hkdf, sha256 } from './aead.js';
import { ProtocolError, asBytes, assertBytes, concatBytes, utf8Encode, wipe } from './encoding.js';

/** The minimum (and current default) KDF parameters. Clients refuse anything weaker. */
export const KDF_FLOOR = Object.freeze({ alg: 'argon2id', m: 65536, t: 3, p: 1 });

/**
 * Upper sanity limits. Not part of PROTOCOL.md: they only stop a hostile server from
 * making the browser allocate absurd memory or loop for minutes (wasm32 caps memory at 4 GiB).
 */
export const KDF_CEILING = Object.freeze({ m: 2097152, t: 64, p: 16 });

/**
 * Whitespace as Python's str.strip() sees it (str.isspace), which PROTOCOL §1 names.
 * Differs from String.prototype.trim: includes U+001C–U+001F and U+0085, excludes U+FEFF.
 */
const PY_WS = '\t\n\v\f\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000';
const PY_STRIP_RE = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, 'gu');

/**
 * email_n = NFKC(email).strip().lower()
 * @param {string} email
 * @returns {string}
 */
export function normalizeEmail(email) {
  if (typeof email !== 'string') throw new ProtocolError('bad_input', 'email must be a string');
  return email.normalize('NFKC').replace(PY_STRIP_RE, '').toLowerCase();
}

/**
 * salt = SHA256(utf8("valitila/v1/salt|" + email_n + "|") || salt_seed)[0:16]
 * @param {string} emailNormalized the output of normalizeEmail (not normalized again here)
 * @param {Uint8Array|string} saltSeedBytes 16 bytes (or b64u)
 * @returns {Promise<Uint8Array>} 16 bytes
 */
export async function deriveSalt(emailNormalized, saltSeedBytes) {
  if (typeof emailNormalized !== 'string') throw new ProtocolError('bad_input', 'email must be a string');
  const seed = asBytes(saltSeedBytes, 16, 'salt_seed');
  const digest = await sha256(concatBytes(utf8Encode(`valitila/v1/salt|${emailNormalized}|`), seed));
  return digest.slice(0, 16);
}

/**
 * Throws unless `kdf` is Argon2id with every parameter at or above KDF_FLOOR (and below
 * KDF_CEILING). Call this on every kdf object that came from the server.
 * @param {{alg: string, m: number, t: number, p: number}} kdf
 * @returns {{alg: string, m: number, t: number, p: number}} a clean copy
 * @throws {ProtocolError} code 'kdf_rejected'
 */
export function checkKdf(kdf) {
  if (!kdf || typeof kdf !== 'object') throw new ProtocolError('kdf_rejected', 'missing KDF parameters');
  if (kdf.alg !== KDF_FLOOR.alg) throw new ProtocolError('kdf_rejected', `unsupported KDF ${String(kdf.alg)}`);
  for (const p of ['m', 't', 'p']) {
    const v = kdf[p];
    if (!Number.isSafeInteger(v)) throw new ProtocolError('kdf_rejected', `KDF parameter ${p} is not an integer`);
    if (v < KDF_FLOOR[p]) throw new ProtocolError('kdf_rejected', `KDF parameter ${p}=${v} is below the floor ${KDF_FLOOR[p]}`);
    if (v > KDF_CEILING[p]) throw new ProtocolError('kdf_rejected', `KDF parameter ${p}=${v} is implausibly large`);
  }
  return { alg: kdf.alg, m: kdf.m, t: kdf.t, p: kdf.p };
}

/**
 * root = Argon2id(utf8(NFKC(password)), salt, m KiB, t, p) → 32 bytes. Checks the floor first.
 * @param {string} password
 * @param {Uint8Array} saltBytes 16 bytes
 * @param {{alg: string, m: number, t: number, p: number}} kdf
 * @returns {Promise<Uint8Array>} 32 bytes
 */
export async function deriveRoot(password, saltBytes, kdf) {
  const params = checkKdf(kdf);
  if (typeof password !== 'string') throw new ProtocolError('bad_input', 'password must be a string');
  assertBytes(saltBytes, 16, 'salt');
  const { argon2id } = await import('../../vendor/argon2.mjs');
  const pw = utf8Encode(password.normalize('NFKC'));
  try {
    const out = await argon2id({
      password: pw,
      salt: saltBytes,
      parallelism: params.p,
      iterations: params.t,
      memorySize: params.m,
      hashLength: 32,
      outputType: 'binary',
    });
    return new Uint8Array(out);
  } finally {
    wipe(pw);
  }
}

/**
 * All account secrets of §1 in one go (one Argon2id run).
 * @param {{email: string, password: string, saltSeed: Uint8Array|string,
 *   kdf: {alg: string, m: number, t: number, p: number}}} args
 * @returns {Promise<{root: Uint8Array, authKey: Uint8Array, kekBytes: Uint8Array,
 *   salt: Uint8Array, emailNormalized: string}>} authKey is what login sends (b64u);
 *   kekBytes must never leave the client
 */
export async function deriveAccountSecrets({ email, password, saltSeed, kdf }) {
  checkKdf(kdf);
  const emailNormalized = normalizeEmail(email);
  const salt = await deriveSalt(emailNormalized, saltSeed);
  const root = await deriveRoot(password, salt, kdf);
  const authKey = await hkdf(root, 'valitila/v1/auth');
  const kekBytes = await hkdf(root, 'valitila/v1/kek');
  return { root, authKey, kekBytes, salt, emailNormalized };
}

/**
 * recovery_kek = HKDF(RK, "valitila/v1/recovery-kek"),
 * recovery_auth_key = HKDF(RK, "valitila/v1/recovery-auth")
 * @param {Uint8Array} rkBytes the 32-byte recovery key
 * @returns {Promise<{recoveryKekBytes: Uint8Array, recoveryAuthKey: Uint8Array}>}
 */
export async function deriveRecoverySecrets(rkBytes) {
  assertBytes(rkBytes, 32, 'recovery key');
  return {
    recoveryKekBytes: await hkdf(rkBytes, 'valitila/v1/recovery-kek'),
    recoveryAuthKey: await hkdf(rkBytes, 'valitila/v1/recovery-auth'),
  };
}
