// The contract (työnohjaussopimus) and its goals in the browser: sealing a revision or a goal
// for every member of the process, and signing and checking acceptances (PROTOCOL §4–6).
// Library code without DOM: the contract behaviours use it; node tests run it with real keys.
//
// A revision's payload: {"sections": {key: text}, "place": text, "lang": "fi" | "sv" | "en"}.
// A goal's payload: {"text": text}.
import { contentHash, ownerEnvelope, sealItem, shareEnvelope } from './crypto/envelope.js';
import { b64uEncode } from './crypto/encoding.js';
import { signAcceptance, verifyAcceptance } from './crypto/safety.js';

/** The section keys in the order a contract lists them (webapp/contracts/templates_text.py). */
export const SECTIONS = ['parties', 'schedule', 'methods', 'confidentiality', 'buyer', 'price', 'cancellation', 'ending', 'evaluation', 'dissatisfied'];
export const LANGUAGES = ['fi', 'sv', 'en'];

/**
 * A revision's payload from what a form holds: only known sections, strings only.
 * @param {{sections?: Record<string, unknown>, place?: unknown, lang?: unknown}} input
 */
export function contractPayload({ sections = {}, place = '', lang = 'fi' }) {
  /** @type {Record<string, string>} */
  const kept = {};
  for (const key of SECTIONS) {
    const value = sections[key];
    if (typeof value === 'string') kept[key] = value;
  }
  return { sections: kept, place: typeof place === 'string' ? place : '', lang: LANGUAGES.includes(/** @type {string} */ (lang)) ? lang : 'fi' };
}

/**
 * The sections of an opened payload (untrusted JSON) as [key, text] in contract order,
 * non-empty strings only.
 * @param {unknown} payload
 * @returns {[string, string][]}
 */
export function sectionsOf(payload) {
  const sections = /** @type {any} */ (payload)?.sections;
  if (!sections || typeof sections !== 'object') return [];
  return SECTIONS.filter((key) => typeof sections[key] === 'string' && sections[key].trim()).map((key) => [key, sections[key]]);
}

/**
 * The PUT body of a member item of a process (a contract revision or a goal): sealed and
 * signed with the item's DEK; a new item (rev 1) carries the author's own envelope and one
 * for every other member, each through the process, with the key the pin store vouches for
 * (`bundleFor`: a changed key throws a PinError, and that member is left to the process
 * sync, which refuses too until the key is verified again).
 * @param {{id: string, kind: 'contract' | 'goal', rev: number, payload: object, dek: Uint8Array,
 *   pid: string, members: string[], uid: string, keys: {ak: CryptoKey, ed25519: CryptoKey},
 *   bundleFor: (uid: string) => Promise<{x25519: string}>, parent?: string | null}} args
 * @returns {Promise<{body: Record<string, any>, refused: string[]}>}
 */
export async function memberItemBody({ id, kind, rev, payload, dek, pid, members, uid, keys, bundleFor, parent = null }) {
  const sealed = await sealItem({ id, kind, rev, by: uid, payload, dek, signingKey: keys.ed25519 });
  /** @type {Record<string, any>} */
  const body = { kind, rev, sealed: sealed.sealed, sig: sealed.sig, process: pid };
  /** @type {string[]} */
  const refused = [];
  if (rev === 1) {
    /** @type {Record<string, string>[]} */
    const envelopes = [await ownerEnvelope(keys.ak, dek, id, uid)];
    for (const member of members) {
      if (member === uid) continue;
      try {
        const bundle = await bundleFor(member);
        envelopes.push(await shareEnvelope(dek, id, member, bundle.x25519));
      } catch (err) {
        if (/** @type {any} */ (err)?.name !== 'PinError') throw err;
        refused.push(member);
      }
    }
    body.envelopes = envelopes;
  }
  if (parent) body.links = { parent };
  return { body, refused };
}

/**
 * The body of POST /items/{id}/acceptances: the signer's signature over
 * "valitila/v1/accept|" + id + "|" + rev + "|" + b64u(content_hash) of the item as received.
 * @param {{id: string, rev: number, sealed: {h: string, iv: string, ct: string}}} item
 * @param {CryptoKey} signingKey the signer's Ed25519 private key
 */
export async function acceptanceBody(item, signingKey) {
  const hash = b64uEncode(await contentHash(item.sealed));
  return { rev: item.rev, sig: await signAcceptance(signingKey, item.id, item.rev, hash) };
}

/**
 * Whether an acceptance holds for the item as this client got it: the same rev, the content
 * hash of these very bytes, and a signature by the member's (pinned) key. Never throws.
 * @param {{rev: number, content_hash: string, sig: string}} acceptance
 * @param {{id: string, rev: number, sealed: {h: string, iv: string, ct: string}}} item
 * @param {string | Uint8Array | CryptoKey} ed25519 the member's Ed25519 public key
 * @returns {Promise<boolean>}
 */
export async function acceptanceHolds(acceptance, item, ed25519) {
  try {
    const hash = b64uEncode(await contentHash(item.sealed));
    if (acceptance.rev !== item.rev || acceptance.content_hash !== hash) return false;
    return await verifyAcceptance(ed25519, acceptance.sig, item.id, acceptance.rev, hash);
  } catch {
    return false;
  }
}
