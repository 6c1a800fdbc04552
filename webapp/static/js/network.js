// Whether the server can be reached now. The `online` event only says the device has some
// network (it also fires on flaky or captive connections), so pages that change what they
// show when the connection returns ask the server's trivial /healthz first.
const PROBE = '/healthz';

/** True when the server answers /healthz. */
export async function reachable() {
  if (!navigator.onLine) return false;
  try {
    const response = await fetch(PROBE, { cache: 'no-store', credentials: 'omit' });
    return response.ok;
  } catch {
    return false;
  }
}
