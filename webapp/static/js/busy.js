// A double booking, before it is saved: the add and move session forms ask when the supervisor
// is booked (GET /schedule/busy: her other sessions' [start, end] times, from the server's
// schedule.busy_times) and say which of them a new time overlaps. Pure (no DOM), unit-tested.

/**
 * The busy intervals that [start, end) overlaps, soonest first; touching ends do not overlap
 * (a session may begin when another ends), as on the server (schedule.overlaps).
 * @param {unknown} busy [[start, end], ...] as ISO times (untrusted shape: bad entries are skipped)
 * @param {Date} start
 * @param {Date} end
 * @returns {[Date, Date][]}
 */
export function overlapsOf(busy, start, end) {
  if (!Array.isArray(busy) || !(end.getTime() > start.getTime())) return [];
  /** @type {[Date, Date][]} */
  const found = [];
  for (const pair of busy) {
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const from = new Date(pair[0]);
    const to = new Date(pair[1]);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) continue;
    if (from < end && to > start) found.push([from, to]);
  }
  return found.sort((a, b) => a[0].getTime() - b[0].getTime());
}
