// The session agenda (issue 10) in the browser: the agenda's lines, their order and
// time-boxing, the sealed agenda's payload, the titles of gathered items, and the checklist's
// ticks that wait on the device while offline. Library code without DOM: the agendas
// behaviours use it; node tests run it.
//
// The sealed agenda (kind "agenda", process = pid, links.session = the session):
// {"lines": {"<line id>": {"title": text, "note": text}}}. The structure (order, minutes,
// source, done) is plaintext: PUT /sessions/{sid}/agenda, conditional on its version.
import { answerText } from './assignments.js';
import { checkinValue, noteOf, topicText } from './checkins.js';

/**
 * @typedef {{id: string, source: string, source_id: string | null, carried_from?: string | null,
 *   minutes: number, done: boolean, used_minutes?: number | null, title: string, note: string}} Line
 */

export const MAX_MINUTES = 480;
export const TITLE_LENGTH = 300;

/** A whole number of minutes 0–480 from any input ('' and nonsense are 0). */
export function cleanMinutes(value) {
  const n = typeof value === 'number' ? value : Number.parseInt(String(value ?? ''), 10);
  if (!Number.isFinite(n) || n < 0) return 0;
  return Math.min(MAX_MINUTES, Math.floor(n));
}

/** The agenda's minutes against the session's length: total, left (negative: over), over. */
export function timebox(lines, length) {
  const total = lines.reduce((sum, line) => sum + cleanMinutes(line.minutes), 0);
  return { total, length, left: length - total, over: total > length };
}

/**
 * The lines with the one at `index` moved `delta` places (−1 up, +1 down); the same array
 * when the move would leave the list.
 * @template T
 * @param {T[]} lines
 */
export function moveLine(lines, index, delta) {
  const to = index + delta;
  if (index < 0 || index >= lines.length || to < 0 || to >= lines.length) return lines;
  const moved = lines.slice();
  const [line] = moved.splice(index, 1);
  moved.splice(to, 0, line);
  return moved;
}

/** The sealed agenda's payload: each line's words by its id. */
export function agendaPayload(lines) {
  /** @type {Record<string, {title: string, note: string}>} */
  const words = {};
  for (const line of lines) words[line.id] = { title: String(line.title ?? '').slice(0, TITLE_LENGTH), note: String(line.note ?? '') };
  return { lines: words };
}

/** The words of an opened agenda payload (untrusted JSON), by line id. */
export function agendaWords(payload) {
  /** @type {Map<string, {title: string, note: string}>} */
  const words = new Map();
  const lines = /** @type {any} */ (payload)?.lines;
  if (!lines || typeof lines !== 'object' || Array.isArray(lines)) return words;
  for (const [id, value] of Object.entries(lines)) {
    const title = typeof value?.title === 'string' ? value.title : '';
    const note = typeof value?.note === 'string' ? value.note : '';
    words.set(id, { title, note });
  }
  return words;
}

/**
 * The words of the carried lines of an agenda's data: each is in an earlier agenda
 * (`carried[line id]`), under the line `carried_under[line id]` names (the line it continues
 * when the answer names none). Each earlier agenda is opened once, however many lines are in
 * it; one that cannot be opened leaves its lines without words.
 * @param {{lines?: {id: string, carried_from?: string | null}[], carried?: Record<string, any>,
 *   carried_under?: Record<string, string>}} data
 * @param {(item: any) => Promise<unknown>} open  the payload of a sealed item
 * @returns {Promise<Map<string, {title: string, note: string}>>}
 */
export async function carriedWords(data, open) {
  /** @type {Map<string, {title: string, note: string}>} */
  const words = new Map();
  const lines = new Map((data.lines || []).map((line) => [line.id, line]));
  /** @type {Map<string, Promise<Map<string, {title: string, note: string}>>>} */
  const opened = new Map();
  await Promise.all(
    Object.entries(data.carried || {}).map(async ([lineId, item]) => {
      const under = data.carried_under?.[lineId] || lines.get(lineId)?.carried_from;
      if (!under || !item) return;
      let agenda = opened.get(item.id);
      if (!agenda) {
        agenda = Promise.resolve()
          .then(() => open(item))
          .then(agendaWords, (err) => {
            console.warn('an earlier agenda could not be opened', err);
            return new Map();
          });
        opened.set(item.id, agenda);
      }
      const found = (await agenda).get(under);
      if (found) words.set(lineId, found);
    }),
  );
  return words;
}

/** The body of PUT /sessions/{sid}/agenda: the structure in order. */
export function structureBody(version, itemId, lines) {
  return {
    version,
    item: itemId,
    lines: lines.map((line) => ({
      id: line.id,
      source: line.source,
      source_id: line.source === 'own' ? null : line.source_id,
      minutes: cleanMinutes(line.minutes),
      done: Boolean(line.done),
    })),
  };
}

/** The change of a check-in from the previous one: '+2', '−1', '±0', or '' for the first. */
export function checkinChange(value, previous) {
  if (value === null || previous === null || previous === undefined) return '';
  const diff = value - previous;
  if (diff > 0) return `+${diff}`;
  if (diff < 0) return `−${-diff}`;
  return '±0';
}

/** One line of text, at most `max` characters (an ellipsis when cut). */
export function oneLine(text, max = 140) {
  const flat = String(text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The words a gathered item starts its agenda line with, from its opened payload.
 * @param {string} source topic | entry | response | checkin
 * @param {any} payload the opened payload (untrusted)
 * @param {{previous?: number | null, checkinLabel?: string}} [extra]
 */
export function candidateTitle(source, payload, extra = {}) {
  if (source === 'topic') return oneLine(topicText(payload));
  if (source === 'response') return oneLine(answerText(payload));
  if (source === 'checkin') {
    const value = checkinValue(payload);
    const change = checkinChange(value, extra.previous ?? null);
    const note = oneLine(noteOf(payload), 100);
    const head = `${extra.checkinLabel || ''} ${value ?? '–'}/10${change ? ` (${change})` : ''}`.trim();
    return note ? `${head}: ${note}` : head;
  }
  const title = typeof payload?.title === 'string' ? payload.title : '';
  const body = typeof payload?.body === 'string' ? payload.body : '';
  return oneLine(title || body);
}

/**
 * For each gathered check-in, the value of the one before it from the same author on the
 * same goal (among the gathered and the earlier ones), or null for the first.
 * @param {{id: string, author: string, goal: string | null, at: string, value: number | null}[]} checkins
 * @returns {Map<string, number | null>}
 */
export function previousValues(checkins) {
  const sorted = checkins.slice().sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  /** @type {Map<string, number | null>} */
  const last = new Map();
  /** @type {Map<string, number | null>} */
  const previous = new Map();
  for (const c of sorted) {
    if (previous.has(c.id)) continue; // the same check-in twice is not its own predecessor
    const key = `${c.author}|${c.goal}`;
    previous.set(c.id, last.has(key) ? /** @type {number | null} */ (last.get(key)) : null);
    if (c.value !== null) last.set(key, c.value);
  }
  return previous;
}

// -- the checklist's ticks, kept on the device until sent ----------------------------------

/** @typedef {{line: string, done?: boolean, used_minutes?: number | null}} Tick */

/** The queue with `tick` merged in (one pending change per line; the later wins per field). */
export function queueTick(queue, tick) {
  const rest = queue.filter((t) => t.line !== tick.line);
  const before = queue.find((t) => t.line === tick.line) || { line: tick.line };
  return [...rest, { ...before, ...tick }];
}

/** The body of POST /sessions/{sid}/agenda/ticks for one pending tick. */
export function tickBody(tick) {
  /** @type {Record<string, any>} */
  const body = { line: tick.line };
  if (tick.done !== undefined) body.done = tick.done;
  if (tick.used_minutes !== undefined) body.used_minutes = tick.used_minutes;
  return body;
}

/** The storage key of a session's pending ticks. */
export function ticksKey(sid) {
  return `valitila:agenda-ticks:${sid}`;
}

/**
 * The pending ticks of a session, from `storage` (localStorage; holds only line ids, ticks
 * and minutes: no words).
 * @param {Pick<Storage, 'getItem'>} storage
 * @returns {Tick[]}
 */
export function loadTicks(storage, sid) {
  try {
    const value = JSON.parse(storage.getItem(ticksKey(sid)) || '[]');
    return Array.isArray(value) ? value.filter((t) => typeof t?.line === 'string') : [];
  } catch {
    return [];
  }
}

/** @param {Pick<Storage, 'setItem' | 'removeItem'>} storage */
export function storeTicks(storage, sid, ticks) {
  if (ticks.length) storage.setItem(ticksKey(sid), JSON.stringify(ticks));
  else storage.removeItem(ticksKey(sid));
}

/**
 * Send the pending ticks one by one with `send(tick)`; a tick the server refused for good
 * (4xx other than 408/429) is dropped, a network failure or 5xx stops and keeps the rest.
 * @param {Tick[]} ticks
 * @param {(tick: Tick) => Promise<unknown>} send
 * @returns {Promise<{left: Tick[], sent: number, dropped: number}>}
 */
export async function flushTicks(ticks, send) {
  let sent = 0;
  let dropped = 0;
  for (let i = 0; i < ticks.length; i += 1) {
    try {
      await send(ticks[i]);
      sent += 1;
    } catch (err) {
      const status = /** @type {any} */ (err)?.status;
      if (typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429) {
        dropped += 1;
        continue;
      }
      return { left: ticks.slice(i), sent, dropped };
    }
  }
  return { left: [], sent, dropped };
}
