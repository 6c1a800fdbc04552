/**
 * Fingerprints, safety codes/numbers (PROTOCOL.md §2), signed rosters and acceptances (§6).
 *
 * @module crypto/safety
 */
import { sha256 } from './aead.js';
import { ProtocolError, assertBytes, assertUuid, b64uDecode, b64uEncode, concatBytes, utf8Encode } from './encoding.js';
import { ed25519Sign, ed25519Verify } from './identity.js';

const SAFETY_CODE_RE = /^\d{5}( \d{5}){5}$/;

/**
 * fp = SHA256(utf8("valitila/v1/fp|") || ed25519_raw || x25519_raw)
 * @param {{x25519: string, ed25519: string}} bundle (only the two public keys are used;
 *   verify the bundle's signature separately with verifyBundle)
 * @returns {Promise<Uint8Array>} 32 bytes
 */
export async function fingerprint(bundle) {
  if (!bundle || typeof bundle !== 'object') throw new ProtocolError('bad_input', 'bundle missing');
  const ed = b64uDecode(bundle.ed25519, 32);
  const x = b64uDecode(bundle.x25519, 32);
  return sha256(concatBytes(utf8Encode('valitila/v1/fp|'), ed, x));
}

/**
 * fp16 = b64u(fp[0:16]) – carried in invite links (`#fp=`) and rosters.
 * @param {{x25519: string, ed25519: string}} bundle
 * @returns {Promise<string>}
 */
export async function fp16(bundle) {
  return b64uEncode((await fingerprint(bundle)).subarray(0, 16));
}

/**
 * Safety code of one person: six groups of int_be(fp[5i:5i+5]) mod 100000, 5 digits each.
 * @param {Uint8Array} fingerprintBytes 32 bytes
 * @returns {string} 30 digits in groups of 5 joined by spaces
 */
export function safetyCode(fingerprintBytes) {
  assertBytes(fingerprintBytes, 32, 'fingerprint');
  const groups = [];
  for (let i = 0; i < 6; i++) {
    let n = 0;
    for (let j = 0; j < 5; j++) n = n * 256 + fingerprintBytes[5 * i + j]; // < 2^40, exact
    groups.push(String(n % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/**
 * Safety number of two people: both safety codes sorted as strings, joined by a space.
 * @param {string} codeA
 * @param {string} codeB
 * @returns {string} 60 digits in groups of 5
 */
export function safetyNumber(codeA, codeB) {
  for (const c of [codeA, codeB]) {
    if (typeof c !== 'string' || !SAFETY_CODE_RE.test(c)) throw new ProtocolError('bad_input', 'not a safety code');
  }
  return [codeA, codeB].sort().join(' ');
}

/**
 * Roster message: "valitila/v1/roster|" + process_id + "|" + epoch + "|" +
 * join(",", uid + ":" + fp16) over the members sorted by uid.
 * @param {string} processId
 * @param {number} epoch non-negative integer
 * @param {Array<{uid: string, fp: string}>} members fp = the member's fp16
 * @returns {string}
 */
export function rosterMessage(processId, epoch, members) {
  assertUuid(processId, 'process id');
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new ProtocolError('bad_input', 'epoch must be a non-negative integer');
  if (!Array.isArray(members)) throw new ProtocolError('bad_input', 'members must be an array');
  const seen = new Set();
  const parts = members.map(({ uid, fp }) => {
    assertUuid(uid, 'member uid');
    b64uDecode(fp, 16);
    if (seen.has(uid)) throw new ProtocolError('bad_input', `duplicate member ${uid}`);
    seen.add(uid);
    return `${uid}:${fp}`;
  });
  // uids are ASCII, so code-unit order equals code-point order (Python's sort)
  parts.sort();
  return `valitila/v1/roster|${processId}|${epoch}|${parts.join(',')}`;
}

/**
 * Signs a roster message (supervisor side).
 * @param {CryptoKey} ed25519PrivateKey
 * @param {string} message from rosterMessage
 * @returns {Promise<string>} b64u signature
 */
export async function signRoster(ed25519PrivateKey, message) {
  if (typeof message !== 'string' || !message.startsWith('valitila/v1/roster|')) {
    throw new ProtocolError('bad_input', 'not a roster message');
  }
  return b64uEncode(await ed25519Sign(ed25519PrivateKey, utf8Encode(message)));
}

/**
 * Verifies a roster signature against the supervisor's (pinned) Ed25519 key. Never throws.
 * Callers must also refuse an epoch lower than the last one they accepted.
 * @param {string} message
 * @param {string} sigB64u
 * @param {string|Uint8Array|CryptoKey} ed25519PubB64u supervisor's Ed25519 public key
 * @returns {Promise<boolean>}
 */
export async function verifyRoster(message, sigB64u, ed25519PubB64u) {
  if (typeof message !== 'string' || !message.startsWith('valitila/v1/roster|')) return false;
  return ed25519Verify(ed25519PubB64u, sigB64u, utf8Encode(message));
}

/**
 * Acceptance message of a contract/evaluation revision:
 * "valitila/v1/accept|" + item_id + "|" + rev + "|" + b64u(content_hash).
 * @param {string} itemId
 * @param {number} rev
 * @param {string} contentHashB64u
 * @returns {string}
 */
export function acceptMessage(itemId, rev, contentHashB64u) {
  assertUuid(itemId, 'item id');
  if (!Number.isSafeInteger(rev) || rev < 1) throw new ProtocolError('bad_input', 'rev must be a positive integer');
  b64uDecode(contentHashB64u, 32);
  return `valitila/v1/accept|${itemId}|${rev}|${contentHashB64u}`;
}

/**
 * Signs an acceptance.
 * @param {CryptoKey} ed25519PrivateKey
 * @param {string} itemId
 * @param {number} rev
 * @param {string} contentHashB64u
 * @returns {Promise<string>} b64u signature
 */
export async function signAcceptance(ed25519PrivateKey, itemId, rev, contentHashB64u) {
  const msg = acceptMessage(itemId, rev, contentHashB64u);
  return b64uEncode(await ed25519Sign(ed25519PrivateKey, utf8Encode(msg)));
}

/**
 * Verifies an acceptance signature. Never throws on bad signatures/keys (returns false).
 * @param {string|Uint8Array|CryptoKey} ed25519Pub the signer's pinned Ed25519 key
 * @param {string} sigB64u
 * @param {string} itemId
 * @param {number} rev
 * @param {string} contentHashB64u
 * @returns {Promise<boolean>}
 */
export async function verifyAcceptance(ed25519Pub, sigB64u, itemId, rev, contentHashB64u) {
  let msg;
  try {
    msg = acceptMessage(itemId, rev, contentHashB64u);
  } catch {
    return false;
  }
  return ed25519Verify(ed25519Pub, sigB64u, utf8Encode(msg));
}
