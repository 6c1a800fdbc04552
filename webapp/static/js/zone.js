// The signed-in person's time zone (their setting, <meta name="valitila-zone">), so that the
// times scripts write agree with those the server wrote into the same page (a phone abroad
// keeps showing the times of the person's own zone, as their calendar feed does). Signed
// out, or a zone this browser does not know: undefined, the device's own zone.

/** @type {string | null | undefined} */
let zone;

/** @param {string} name */
function known(name) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The IANA name of the person's time zone, or undefined (the device's). */
export function timeZone() {
  if (zone === undefined) {
    const name = (typeof document === 'undefined' ? null : document.querySelector('meta[name="valitila-zone"]')?.getAttribute('content')) || '';
    zone = name && known(name) ? name : null;
  }
  return zone ?? undefined;
}

const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');

/** The wall clock of `zone` (undefined: the device's) at `date`, as numbers. */
function wallParts(date, zone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(date);
  const get = (/** @type {string} */ type) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

/** A datetime-local input's value ('YYYY-MM-DDTHH:mm') for `date` on the wall clock of
 *  `zone` (undefined: the device's); '' for an invalid date. */
export function wallClockValue(date, zone = timeZone()) {
  if (Number.isNaN(date.getTime())) return '';
  const p = wallParts(date, zone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/**
 * The instant a datetime-local value names on the wall clock of `zone` (undefined: the
 * device's), or null when it is not one. As the server reads a session's local time
 * (services/schedule.local_start): a time repeated when the clocks go back is its first
 * occurrence, and one skipped when they go forward counts with the offset before the change
 * (it lands an hour later on the wall clock).
 * @param {string} value
 * @returns {Date|null}
 */
export function fromWallClock(value, zone = timeZone()) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value || '');
  if (!m) return null;
  const [year, month, day, hour, minute] = m.slice(1).map(Number);
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  const probe = new Date(asUtc);       // no 13th month, 31 April or 25 o'clock rolled over
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day || hour > 23 || minute > 59) return null;
  const offsetAt = (/** @type {number} */ t) => {
    const p = wallParts(new Date(t), zone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(t / 60000) * 60000;
  };
  const HALF_DAY = 12 * 3600 * 1000;
  const before = asUtc - offsetAt(asUtc - HALF_DAY);
  const after = asUtc - offsetAt(asUtc + HALF_DAY);
  const fits = [before, after].filter((t) => wallClockValue(new Date(t), zone) === value).sort((a, b) => a - b);
  return new Date(fits.length ? fits[0] : before);
}
