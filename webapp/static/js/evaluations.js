// Evaluations (arviointi) in the browser: the payload, sealing it for every member of the
// process, merging two versions. Library code without DOM: the evaluation behaviours use it;
// node tests run it with real keys.
//
// The payload (docs/protocol.md "Evaluations"):
//   {"goals": {"<goal item id>": {"start": 0..10 | null, "now": 0..10 | null,
//    "helped": text, "next": text}}, "summary": text}
import { shareEnvelope } from './crypto/envelope.js';

/**
 * A scale value from a form or an opened payload: an integer 0–10, else null.
 * @param {unknown} value
 * @returns {number | null}
 */
export function scaleValue(value) {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  return Number.isInteger(n) && n >= 0 && n <= 10 ? n : null;
}

const text = (value) => (typeof value === 'string' ? value : '');

/**
 * One goal's part of an evaluation, cleaned: scale values 0–10 or null, strings only.
 * @param {unknown} goal
 * @returns {{start: number | null, now: number | null, helped: string, next: string}}
 */
export function goalPart(goal) {
  const g = /** @type {any} */ (goal) || {};
  return { start: scaleValue(g.start), now: scaleValue(g.now), helped: text(g.helped), next: text(g.next) };
}

/**
 * An evaluation's payload (from a form, or an opened one: untrusted JSON), cleaned.
 * @param {unknown} payload
 * @returns {{goals: Record<string, ReturnType<typeof goalPart>>, summary: string}}
 */
export function evaluationPayload(payload) {
  const p = /** @type {any} */ (payload) || {};
  /** @type {Record<string, ReturnType<typeof goalPart>>} */
  const goals = {};
  if (p.goals && typeof p.goals === 'object' && !Array.isArray(p.goals)) {
    for (const [id, goal] of Object.entries(p.goals)) goals[id] = goalPart(goal);
  }
  return { goals, summary: text(p.summary) };
}

/**
 * Nothing written: no scale value, every text blank.
 * @param {unknown} payload
 */
export function isBlankEvaluation(payload) {
  const { goals, summary } = evaluationPayload(payload);
  return !summary.trim() && Object.values(goals).every((g) => g.start === null && g.now === null && !g.helped.trim() && !g.next.trim());
}

const joined = (mine, theirs) => (mine === theirs || !theirs ? mine : mine ? `${mine}\n\n— — —\n\n${theirs}` : theirs);

/**
 * Two versions in one after a conflict: per goal the texts of both (one after the other
 * when they differ), a scale value from mine unless mine is empty; the same for the summary.
 * @param {unknown} mine
 * @param {unknown} theirs
 */
export function mergeEvaluations(mine, theirs) {
  const a = evaluationPayload(mine);
  const b = evaluationPayload(theirs);
  /** @type {Record<string, ReturnType<typeof goalPart>>} */
  const goals = {};
  for (const id of new Set([...Object.keys(a.goals), ...Object.keys(b.goals)])) {
    const x = a.goals[id] || goalPart(null);
    const y = b.goals[id] || goalPart(null);
    goals[id] = { start: x.start ?? y.start, now: x.now ?? y.now, helped: joined(x.helped, y.helped), next: joined(x.next, y.next) };
  }
  return { goals, summary: joined(a.summary, b.summary) };
}

/**
 * A new evaluation's readers: the author's own envelope and one for every other active
 * member through the process, with the key the pin store vouches for (a changed key throws
 * a PinError: the evaluation is not saved until that member's key is verified again, as
 * every member must be able to read and accept it).
 * @param {{id: string, dek: Uint8Array, owner: Record<string, string>, members: string[],
 *   uid: string, bundleFor: (uid: string) => Promise<{x25519: string}>}} args
 */
export async function evaluationEnvelopes({ id, dek, owner, members, uid, bundleFor }) {
  /** @type {Record<string, string>[]} */
  const envelopes = [owner];
  for (const member of members) {
    if (member === uid) continue;
    const bundle = await bundleFor(member);
    envelopes.push(await shareEnvelope(dek, id, member, bundle.x25519));
  }
  return envelopes;
}
