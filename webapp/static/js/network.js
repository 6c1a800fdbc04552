// Whether the server can be reached now. The `online` event only says the device has some
// network (it also fires on flaky or captive connections), so pages that change what they
// show when the connection returns ask the server's trivial /healthz first.
//
// The answer of the last probe is kept for the page: a device that says it is online
// (navigator.onLine) while the server does not answer — a captive or failing network, a page
// the service worker served because the network failed — is offline for what the page tells
// the person (seemsOffline). A change is announced with a `valitila:connection` event.
const PROBE = '/healthz';
const CHANGED = 'valitila:connection';

let unreachableNow = false;

function note(unreachable) {
  if (unreachable === unreachableNow) return;
  unreachableNow = unreachable;
  globalThis.dispatchEvent?.(new Event(CHANGED));
}

/** True when the server answers /healthz. */
export async function reachable() {
  if (!navigator.onLine) return false;
  let ok = false;
  try {
    const response = await fetch(PROBE, { cache: 'no-store', credentials: 'omit' });
    ok = response.ok;
  } catch {
    ok = false;
  }
  note(!ok);
  return ok;
}

/** Offline as far as this page knows: no network, or the last probe got no answer. */
export function seemsOffline() {
  return !navigator.onLine || unreachableNow;
}
