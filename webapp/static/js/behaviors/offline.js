// data-js-offline (the offline page the service worker shows in place of a page it could not
// load): try the page again by itself as soon as the browser is back online. The page's
// "Try again" link (href="", the same address) works without this too.
export default function offline() {
  window.addEventListener('online', () => {
    if (navigator.onLine) window.location.reload();
  });
}
