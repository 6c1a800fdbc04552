// data-js-offline (the offline page the service worker shows in place of a page it could not
// load): try the page again by itself once the server answers again. The page's "Try again"
// link (href="", the same address) works without this too.
//
// The `online` event only says the device has some network, so the page first asks the
// server (network.js) whether it can be reached, and reloads only then: no loop of reloads
// into the same offline page. A device may also say it is online all along while the server
// cannot be reached (a captive or failing network, the server down): no `online` event comes
// then, so while the page is in view it also asks now and then.
import { reachable } from '../../network.js';

const ASK_EVERY = 5_000;

export default function offline() {
  let trying = false;
  const tryAgain = async () => {
    if (trying || !navigator.onLine) return;
    trying = true;
    try {
      if (await reachable()) window.location.reload();
    } finally {
      trying = false;
    }
  };
  window.addEventListener('online', tryAgain);
  setInterval(() => {
    if (document.visibilityState === 'visible') tryAgain();
  }, ASK_EVERY);
}
