// data-js-idle-lock (on <body> of signed-in pages): after the configured minutes without
// activity, drop the unlocked keys and ask for the password again.
import * as keystore from '../../keystore.js';

const EVENTS = ['pointerdown', 'keydown', 'scroll', 'touchstart'];

export default async function idleLock(body) {
  const minutes = Number(/** @type {HTMLMetaElement|null} */ (document.querySelector('meta[name="valitila-lock-minutes"]'))?.content || 30);
  const limit = Math.max(1, minutes) * 60 * 1000;
  let last = await keystore.lastActivity();

  const lockNow = async () => {
    await keystore.lock();
    const next = window.location.pathname + window.location.search;
    window.location.assign(`/unlock?next=${encodeURIComponent(next)}&locked=1`);
  };
  if (last && Date.now() - last > limit && !window.location.pathname.startsWith('/unlock')) {
    await lockNow();
    return;
  }
  let pending = false;
  const touch = () => {
    last = Date.now();
    if (pending) return;
    pending = true;
    setTimeout(() => {
      pending = false;
      keystore.touch();
    }, 5000);
  };
  for (const name of EVENTS) window.addEventListener(name, touch, { passive: true });
  keystore.touch();
  last = Date.now();
  const check = async () => {
    const shared = Math.max(last, await keystore.lastActivity()); // other tabs count too
    if (Date.now() - shared > limit) await lockNow();
  };
  setInterval(check, Math.min(limit / 4, 30000));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') check();
  });
  body.dataset.lockAfter = String(limit);
}
