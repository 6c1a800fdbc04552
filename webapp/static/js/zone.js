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
    const name = document.querySelector('meta[name="valitila-zone"]')?.getAttribute('content') || '';
    zone = name && known(name) ? name : null;
  }
  return zone ?? undefined;
}
