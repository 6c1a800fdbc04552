// Interim assignments in the browser: the sealed payloads of an assignment
// ({title, instructions, minutes, tags, lang, source}) and of an answer ({body}), and the
// request bodies that give an assignment (sealed for each assignee through the process) and
// write an answer (sealed for its author and, only by their choice, the supervisor). Library
// code of the behaviours in behaviors/assignments/.
import { newDek, ownerEnvelope, sealItem, shareEnvelope } from './crypto/envelope.js';
import { uniqueTags } from './tags.js';
import { fromWallClock, timeZone, wallClockValue } from './zone.js';

const text = (value) => (typeof value === 'string' ? value : '');

/**
 * An assignment's payload from the form's values (trimmed; tags split at commas).
 * @param {{title: string, instructions: string, minutes: string | number, tags: string, lang: string, source?: string | null}} form
 */
export function assignmentPayload({ title, instructions, minutes, tags, lang, source = null }) {
  const n = Number(minutes);
  return {
    title: title.trim(),
    instructions: instructions.trim(),
    minutes: Number.isInteger(n) && n > 0 ? n : null,
    tags: uniqueTags(tags.split(',')),
    lang,
    source: source || null,
  };
}

/** The words of an opened assignment's payload (untrusted JSON), each a string or a list. */
export function assignmentWords(payload) {
  const minutes = Number(payload?.minutes);
  return {
    title: text(payload?.title),
    instructions: text(payload?.instructions),
    minutes: Number.isInteger(minutes) && minutes > 0 ? minutes : null,
    tags: Array.isArray(payload?.tags) ? payload.tags.filter((tag) => typeof tag === 'string') : [],
  };
}

/** The text of an opened answer's payload (untrusted JSON). */
export function answerText(payload) {
  return text(payload?.body);
}

/**
 * The body of PUT /assignments/{id} that gives a new assignment: sealed with a fresh DEK,
 * the author's own envelope and one for each assignee through the process (their keys as
 * the pin store vouches for them: a changed key throws a PinError and nothing is sent).
 * @param {{id: string, payload: object, pid: string, assignees: string[], uid: string,
 *   keys: {ak: CryptoKey, ed25519: CryptoKey}, due: string | null | undefined,
 *   bundleFor: (uid: string) => Promise<{x25519: string}>, dek?: Uint8Array,
 *   session?: string | null}} args  `session`: the session it is given in
 */
export async function giveBody({ id, payload, pid, assignees, uid, keys, due, bundleFor, dek = newDek(), session = null }) {
  /** @type {Record<string, string>[]} */
  const envelopes = [await ownerEnvelope(keys.ak, dek, id, uid)];
  for (const assignee of assignees) {
    if (assignee === uid) continue;
    const bundle = await bundleFor(assignee);
    envelopes.push(await shareEnvelope(dek, id, assignee, bundle.x25519));
  }
  const sealed = await sealItem({ id, kind: 'assignment', rev: 1, by: uid, payload, dek, signingKey: keys.ed25519 });
  /** @type {Record<string, any>} */
  const body = { item: { kind: 'assignment', rev: 1, sealed: sealed.sealed, sig: sealed.sig, process: pid, envelopes } };
  if (session) body.item.links = { session };
  if (due !== undefined) body.due_at = due;
  return body;
}

/**
 * The PUT /items/{id} body of an answer (kind "response", links.parent = the assignment):
 * its readers are always set in full, the author's own envelope and, when `share`, the
 * supervisor's through the process — so each save states the choice again (the server
 * remembers it as the next default).
 * @param {{id: string, rev: number, dek: Uint8Array, text: string, assignment: string,
 *   pid: string, supervisor: string, share: boolean, uid: string,
 *   keys: {ak: CryptoKey, ed25519: CryptoKey}, owner?: Record<string, string> | null,
 *   bundleFor: (uid: string) => Promise<{x25519: string}>}} args
 */
export async function responseBody({ id, rev, dek, text: body, assignment, pid, supervisor, share, uid, keys, owner = null, bundleFor }) {
  const envelopes = await responseEnvelopes({ id, dek, owner: owner ?? (await ownerEnvelope(keys.ak, dek, id, uid)), supervisor, share, bundleFor });
  const sealed = await sealItem({ id, kind: 'response', rev, by: uid, payload: { body }, dek, signingKey: keys.ed25519 });
  return {
    kind: 'response', rev, sealed: sealed.sealed, sig: sealed.sig, process: pid,
    links: { parent: assignment }, envelopes,
  };
}

/**
 * An answer's full set of readers: the author's own envelope (`owner`) and, when `share`,
 * the supervisor's through the process (the key the pin store vouches for).
 * @param {{id: string, dek: Uint8Array, owner: Record<string, string>, supervisor: string,
 *   share: boolean, bundleFor: (uid: string) => Promise<{x25519: string}>}} args
 */
export async function responseEnvelopes({ id, dek, owner, supervisor, share, bundleFor }) {
  /** @type {Record<string, string>[]} */
  const envelopes = [owner];
  if (share) {
    const bundle = await bundleFor(supervisor);
    envelopes.push(await shareEnvelope(dek, id, supervisor, bundle.x25519));
  }
  return envelopes;
}

/**
 * The PUT /items/{id} body of a supervisor's own template (kind "template"): an
 * assignment's payload sealed for its author alone.
 * @param {{id: string, payload: object, uid: string, keys: {ak: CryptoKey, ed25519: CryptoKey}, dek?: Uint8Array}} args
 */
export async function templateBody({ id, payload, uid, keys, dek = newDek() }) {
  const sealed = await sealItem({ id, kind: 'template', rev: 1, by: uid, payload, dek, signingKey: keys.ed25519 });
  return { kind: 'template', rev: 1, sealed: sealed.sealed, sig: sealed.sig, envelopes: [await ownerEnvelope(keys.ak, dek, id, uid)] };
}

/**
 * A datetime-local input's value as an RFC 3339 time, read on the wall clock of the person's
 * own zone (their setting, as the server writes times; zone.js), or null when empty. An ISO
 * time becomes the input's value the other way (localInputValue).
 * @param {string} value
 * @param {string} [zone] an IANA zone (default: the person's; undefined there: the device's)
 */
export function dueFromInput(value, zone = timeZone()) {
  if (!value) return null;
  const when = fromWallClock(value, zone);
  return when ? when.toISOString() : null;
}

/** The datetime-local value of an ISO time on the person's wall clock ('' when not a time). */
export function localInputValue(iso, zone = timeZone()) {
  return iso ? wallClockValue(new Date(iso), zone) : '';
}
