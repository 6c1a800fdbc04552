// data-js-pwa (in the footer of every page): the page side of the installable app.
// The install controls it drives are in Settings.
// - registers the service worker (/sw.js, scope "/") where there is one to register;
// - tells the worker who is signed in and in which language, so that the page shells it
//   keeps offline are the right ones (and none is kept for a signed-out device);
// - offers a waiting update in a small banner: before the new worker takes over, the page
//   announces `valitila:before-update` and awaits lifecycle.beforeUpdate hooks (the compose
//   page seals its open draft), then reloads once the new worker controls it;
// - shows "Install" (in Settings) after the browser's beforeinstallprompt, a short help on iOS
//   Safari (which has no prompt), and asks once per sign-in for persistent storage.
import { t } from '../../i18n.js';
import { runBeforeUpdate } from '../../lifecycle.js';

const WORKER_URL = '/sw.js';
const HOOK_TIMEOUT = 3000; // an update never waits longer than this for the hooks
const PERSIST_KEY = 'valitila:persist-asked';

// beforeinstallprompt may fire before any behaviour is attached: keep it from module load.
let installPrompt = null;
const installListeners = new Set();
window.addEventListener('beforeinstallprompt', (event) => {
  event.preventDefault(); // our own button instead of the mini-infobar
  installPrompt = event;
  for (const listener of installListeners) listener();
});
window.addEventListener('appinstalled', () => {
  installPrompt = null;
  for (const listener of installListeners) listener();
});

function signedInUid() {
  return /** @type {HTMLMetaElement|null} */ (document.querySelector('meta[name="valitila-user"]'))?.content || null;
}

function isStandalone() {
  return /** @type {Navigator & {standalone?: boolean}} */ (window.navigator).standalone === true || window.matchMedia?.('(display-mode: standalone)').matches;
}

function isIos() {
  const ua = navigator.userAgent || '';
  return /iPad|iPhone|iPod/.test(ua) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
}

// The install controls live in Settings (pwa/_install.html), not in the footer of every page:
// the button when the browser offered its prompt, the steps on iOS, else a pointer to the
// browser's own menu; none of it when the app already runs installed.
function setUpInstall(page) {
  const button = page.querySelector('[data-pwa-install]');
  if (!button) return;
  const card = page.querySelector('[data-pwa-card]');
  const menuHelp = page.querySelector('[data-pwa-menu-help]');
  const refresh = () => {
    button.hidden = !installPrompt || isStandalone();
    if (menuHelp) menuHelp.hidden = !button.hidden || isIos();
    if (card) card.hidden = isStandalone();
  };
  installListeners.add(refresh);
  refresh();
  button.addEventListener('click', async () => {
    const prompt = installPrompt;
    if (!prompt) return;
    installPrompt = null;
    refresh();
    try {
      await prompt.prompt();
      await prompt.userChoice;
    } catch (err) {
      console.warn('install prompt failed', err);
    }
  });
}

function setUpIosHelp(page) {
  const help = page.querySelector('[data-pwa-ios-help]');
  if (help) help.hidden = !(isIos() && !isStandalone());
}

/** Ask once after sign-in that the browser keeps this site's storage (the sealed offline
 * copy and the outbox) instead of evicting it. Signing out clears the flag. */
async function requestPersistence() {
  const uid = signedInUid();
  if (!uid || !navigator.storage?.persist) return;
  try {
    if (localStorage.getItem(PERSIST_KEY) === uid) return;
    localStorage.setItem(PERSIST_KEY, uid);
    if (!(await navigator.storage.persisted())) await navigator.storage.persist();
  } catch {
    /* storage disabled, or the browser said no: the server copy stays the truth */
  }
}

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms))]);
}

function updateBanner(worker) {
  if (document.querySelector('[data-pwa-update]')) return;
  const banner = document.createElement('div');
  banner.className = 'notice pwa-update';
  banner.setAttribute('role', 'status');
  banner.dataset.pwaUpdate = '';
  const text = document.createElement('span');
  text.textContent = `${t('updateAvailable')} — `;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link-button';
  button.textContent = t('updateNow');
  banner.append(text, button);
  (document.getElementById('main') || document.body).prepend(banner);

  button.addEventListener('click', async () => {
    button.disabled = true;
    window.dispatchEvent(new CustomEvent('valitila:before-update'));
    await withTimeout(runBeforeUpdate(), HOOK_TIMEOUT);
    let reloading = false;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (reloading) return;
      reloading = true;
      window.location.reload();
    });
    worker.postMessage({ type: 'SKIP_WAITING' });
  });
}

function watchForUpdates(registration) {
  // A first install has no controller yet: nothing to update from.
  const offer = (worker) => {
    if (worker && navigator.serviceWorker.controller) updateBanner(worker);
  };
  offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed') offer(worker);
    });
  });
  // Another tab took the update: this page keeps running on what it loaded.
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    document.querySelector('[data-pwa-update]')?.remove();
  });
}

async function syncWorker() {
  const registration = await navigator.serviceWorker.ready;
  registration.active?.postMessage({ type: 'SYNC', uid: signedInUid(), lang: document.documentElement.lang || '' });
}

export default async function pwa() {
  setUpInstall(document);
  setUpIosHelp(document);
  requestPersistence();
  if (!('serviceWorker' in navigator) || !/^https?:$/.test(window.location.protocol)) return;
  let registration;
  try {
    // A module worker (it imports the outbox for Background Sync). updateViaCache 'none': the
    // browser checks the worker and the modules it imports past the HTTP cache.
    registration = await navigator.serviceWorker.register(WORKER_URL, {
      scope: '/',
      type: 'module',
      updateViaCache: 'none',
    });
  } catch (err) {
    console.warn('service worker not registered', err);
    return;
  }
  watchForUpdates(registration);
  await syncWorker();
}
