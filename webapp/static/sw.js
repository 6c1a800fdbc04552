// Välitila service worker. Plain JS, no libraries; a module worker (registered with
// type: 'module') so that it shares the outbox code with the pages. Served by webapp/pwa.py
// at /sw.js (scope "/") with the values below filled in; this file itself is only the
// template.
//
// What it keeps, in caches named after VERSION (a hash of everything they hold, so a deploy
// that changes any of it installs a new worker and the old caches are deleted):
//   valitila-static-<VERSION>  the app's built CSS and JS (htmx and Argon2 among them) and
//                              the icons, by the very URLs the pages load: public files, the
//                              same for everyone (PRECACHE; zxcvbn's dictionaries, LAZY, are
//                              left to the HTTP cache)
//   valitila-pages-<VERSION>   page shells: the offline page (rendered as for a signed-out
//                              visitor: no account id, no CSRF token), and while someone is
//                              signed in their two empty shells: the compose page and the
//                              local journal (they must carry the account id and CSRF token
//                              to work offline, but hold no text and no ciphertext; each is
//                              checked for that before it is stored, and dropped on sign-out)
// What it never keeps: /api/ responses, htmx fragments, any other page (they carry the
// person's ciphertext, names or structure), anything sent with Cache-Control: no-store other
// than these shells. The offline copy of entries lives sealed in IndexedDB (mirror.js).
// Signing out wipes Cache Storage (keystore.wipeDevice); the next page asks the worker to
// put the public files and the offline page back (SYNC).
//
// Background Sync: a page that queues a sealed change registers the `sync` tag; the browser
// wakes the worker when the network is back, and the worker sends the outbox (outbox.js,
// the same code the pages run) for whoever is signed in, even with no page open.

// The source module here (for tsc); webapp/pwa.py puts the built one's URL in its place.
import { SYNC_TAG, sendInBackground } from /* @outbox */ '/static/js/outbox.js';

// The worker's own global scope, typed here (jsconfig.json checks this file with the DOM
// library, which has no ServiceWorkerGlobalScope).
/** @typedef {Event & {waitUntil(promise: Promise<unknown>): void}} ExtendableEvent */
/** @typedef {ExtendableEvent & {request: Request, preloadResponse: Promise<Response|undefined>,
 *   respondWith(response: Response|Promise<Response>): void}} FetchEvent */
/** @typedef {ExtendableEvent & {data: any}} ExtendableMessageEvent */
/** @typedef {ExtendableEvent & {tag: string}} SyncEvent */
/**
 * @typedef {object} WorkerScope
 * @property {Location} location
 * @property {ServiceWorkerRegistration & {navigationPreload?: {enable(): Promise<void>}}} registration
 * @property {{claim(): Promise<void>, matchAll(options?: object): Promise<{postMessage(message: unknown): void}[]>}} clients
 * @property {() => Promise<void>} skipWaiting
 * @property {(type: string, listener: (event: any) => void) => void} addEventListener
 */
const worker = /** @type {WorkerScope} */ (/** @type {unknown} */ (self));

const VERSION = /* @version */ 'dev';
const PRECACHE = /* @precache */ [];
const SHELLS = /* @shells */ { offline: '/offline', compose: '/journal/new', journal: '/journal/local', journal_index: '/journal/' };
// Only used by the sign-up and password pages, which need the network anyway (see pwa.py).
const LAZY = /* @lazy */ [];

// Marks the worker's own background fetches of page shells: the server then leaves the
// session cookie alone (a late answer must not undo a sign-in or sign-out made meanwhile).
/** @type {RequestInit} */
const SHELL_FETCH = { cache: 'reload', credentials: 'same-origin', headers: { 'X-Valitila-Shell': '1' } };
const PREFIX = 'valitila-';
const STATIC_CACHE = `${PREFIX}static-${VERSION}`;
const PAGES_CACHE = `${PREFIX}pages-${VERSION}`;
const STATIC_PATH = '/static/';
const NOT_CACHED = new Set(LAZY.map((url) => new URL(url, worker.location.origin).pathname));
// Background revalidation of a run-time cached file at most this often (per worker lifetime).
const REVALIDATE_EVERY = 5 * 60 * 1000;

const PRECACHED_PATHS = new Set(PRECACHE.map((url) => new URL(url, worker.location.origin).pathname));
const lastRevalidated = new Map();
let staleDeploy = false;
let syncing = Promise.resolve();

// ---------------------------------------------------------------------------- helpers

function noStore(response) {
  return /(^|,)\s*no-store\s*(,|$)/i.test(response.headers.get('Cache-Control') || '');
}

function cacheable(response) {
  return response && response.ok && response.type === 'basic' && !response.redirected;
}

function htmlAttribute(html, pattern) {
  const match = html.match(pattern);
  return match ? match[1] : null;
}

const pageLang = (html) => htmlAttribute(html, /<html[^>]*\slang="([^"]*)"/i);
const pageUser = (html) => htmlAttribute(html, /<meta name="valitila-user" content="([^"]*)"/i);

// The signed-in person's shells: each is kept only when it is that person's empty page (the
// behaviour's hook present, no sealed data in it) and served offline for the paths listed.
const isEntryPath = (path) =>
  Boolean(SHELLS.journal_index) && path.startsWith(SHELLS.journal_index) && /^[0-9a-f-]{36}\/?$/.test(path.slice(SHELLS.journal_index.length));
const PERSONAL = [
  { url: SHELLS.compose, hook: 'data-js-compose', serves: (path) => path === SHELLS.compose },
  {
    url: SHELLS.journal,
    hook: 'data-js-local-journal',
    serves: (path) => path === SHELLS.journal || path === SHELLS.journal_index || isEntryPath(path),
  },
].filter((shell) => shell.url);

function isPersonalShell(shell, html) {
  return html.includes(shell.hook) && !html.includes('data-sealed') && Boolean(pageUser(html));
}

/** Store a static response by its URL, keeping one entry per file (other ?v= dropped). */
async function storeStatic(cache, request, response) {
  if (!cacheable(response) || noStore(response)) return;
  for (const old of await cache.keys(request, { ignoreSearch: true })) {
    if (old.url !== request.url) await cache.delete(old);
  }
  await cache.put(request, response);
}

// ---------------------------------------------------------------------------- shells

/** Fetch the offline page (cookies sent so it comes in the person's language; the server
 * renders it without anything personal) and keep it. Throws when it cannot be had. */
async function cacheOfflinePage(cache) {
  const response = await fetch(SHELLS.offline, SHELL_FETCH);
  if (!cacheable(response)) throw new Error(`offline page: HTTP ${response.status}`);
  const html = await response.clone().text();
  if (pageUser(html)) throw new Error('offline page carries an account id');
  await cache.put(SHELLS.offline, response);
}

/** Keep `response` as `shell` if it is that empty page; otherwise drop any kept copy. */
async function keepShell(cache, shell, response) {
  const html = cacheable(response) ? await response.clone().text() : '';
  if (html && isPersonalShell(shell, html)) {
    await cache.put(shell.url, response);
    return true;
  }
  await cache.delete(shell.url);
  return false;
}

async function cacheShell(cache, shell) {
  try {
    const response = await fetch(shell.url, SHELL_FETCH);
    return await keepShell(cache, shell, response);
  } catch {
    return false; // offline or signed out: the offline page is the fallback
  }
}

/** A precached file, taken from the HTTP cache when it is there: the page that registered
 * the worker has just loaded the same URLs, and each names one content (the built files by
 * their hashed names, the icons by ?v=), so a first visit costs one download of the app
 * instead of two. The server's own caching headers decide whether a copy needs revalidating. */
const precacheRequest = (url) => new Request(url, { cache: 'default' });

/** Put back whatever of the precache is missing (after a sign-out wiped Cache Storage). */
async function ensurePrecache() {
  const cache = await caches.open(STATIC_CACHE);
  const have = new Set((await cache.keys()).map((request) => new URL(request.url).pathname));
  const missing = PRECACHE.filter((url) => !have.has(new URL(url, worker.location.origin).pathname));
  if (missing.length) await cache.addAll(missing.map(precacheRequest));
}

/** A page told us who is signed in (uid or null) and its language: bring the shells in line. */
async function sync({ uid, lang }) {
  await ensurePrecache();
  const cache = await caches.open(PAGES_CACHE);
  const offline = await cache.match(SHELLS.offline);
  if (!offline || pageLang(await offline.text()) !== lang) await cacheOfflinePage(cache);
  for (const shell of PERSONAL) {
    const kept = await cache.match(shell.url);
    if (!uid) {
      if (kept) await cache.delete(shell.url); // signed out: no personal page stays
      continue;
    }
    const html = kept ? await kept.text() : '';
    if (pageUser(html) !== uid || pageLang(html) !== lang) await cacheShell(cache, shell);
  }
}

// ---------------------------------------------------------------------------- lifecycle

// Chromium's static routing (InstallEvent.addRoutes, Chrome 123+): the built files are read by
// the browser straight from this version's cache, without starting this worker or running
// its fetch handler once per file (a new tab's ~30 module files otherwise queue through it,
// one after the other: about 100 ms before the journal's cards can open). A built file not
// in the cache (zxcvbn's dictionaries, a newer deploy's files, a wiped cache) comes from the
// network. Other browsers take every request through the fetch handler below.
const ROUTES = [{
  condition: { urlPattern: `${STATIC_PATH}build/*`, requestMethod: 'GET' },
  source: { cacheName: STATIC_CACHE },
}];

worker.addEventListener('install', (/** @type {ExtendableEvent & {addRoutes?: (rules: object[]) => Promise<void>}} */ event) => {
  if (typeof event.addRoutes === 'function') {
    event.waitUntil(event.addRoutes(ROUTES).catch((err) => console.warn('sw: static routes not added', err)));
  }
  event.waitUntil(
    (async () => {
      const cache = await caches.open(STATIC_CACHE);
      await cache.addAll(PRECACHE.map(precacheRequest));
      await cacheOfflinePage(await caches.open(PAGES_CACHE));
      // The personal shells follow with the first SYNC, from a page that knows who is signed in.
    })(),
  );
});

worker.addEventListener('activate', (/** @type {ExtendableEvent} */ event) => {
  event.waitUntil(
    (async () => {
      const current = new Set([STATIC_CACHE, PAGES_CACHE]);
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && !current.has(name)) await caches.delete(name);
      }
      if (worker.registration.navigationPreload) await worker.registration.navigationPreload.enable();
      await worker.clients.claim();
    })(),
  );
});

worker.addEventListener('message', (/** @type {ExtendableMessageEvent} */ event) => {
  const data = event.data || {};
  if (data.type === 'SKIP_WAITING') {
    worker.skipWaiting();
  } else if (data.type === 'SYNC') {
    const uid = typeof data.uid === 'string' && data.uid ? data.uid : null;
    const lang = typeof data.lang === 'string' ? data.lang : '';
    // One at a time, in order: a sign-out page's SYNC must not be overtaken by a slower
    // SYNC of the page before it (which could put a personal shell back).
    syncing = syncing.then(() => sync({ uid, lang })).catch((err) => console.warn('sw: sync failed', err));
    event.waitUntil(syncing);
  }
});

// ---------------------------------------------------------------------------- background sync

/** Send what waits (no page needed), then tell open pages so their status line updates.
 *  A rejection (network or server still down) makes the browser try again later. */
async function sendOutbox() {
  try {
    await sendInBackground();
  } finally {
    for (const client of await worker.clients.matchAll({ type: 'window' })) client.postMessage({ type: 'OUTBOX' });
  }
}

worker.addEventListener('sync', (/** @type {SyncEvent} */ event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(sendOutbox());
});

// ---------------------------------------------------------------------------- fetch

/** HTML navigations: network first. Offline, a path with a personal shell falls back to it
 * and every other page to the offline page. A compose page loaded online refreshes its
 * shell (the only page ever stored from a navigation). */
async function navigate(event, url) {
  try {
    const response = (await event.preloadResponse) || (await fetch(event.request));
    const compose = PERSONAL.find((shell) => shell.url === SHELLS.compose);
    if (compose && url.pathname === compose.url && cacheable(response)) {
      const copy = response.clone();
      event.waitUntil(caches.open(PAGES_CACHE).then((cache) => keepShell(cache, compose, copy)));
    }
    return response;
  } catch (err) {
    const cache = await caches.open(PAGES_CACHE);
    for (const shell of PERSONAL) {
      const kept = shell.serves(url.pathname) && (await cache.match(shell.url));
      if (kept) return kept;
    }
    const offline = await cache.match(SHELLS.offline);
    if (offline) return offline;
    throw err;
  }
}

function revalidate(cache, request, url) {
  const now = Date.now();
  if (now - (lastRevalidated.get(url.pathname) || 0) < REVALIDATE_EVERY) return Promise.resolve();
  lastRevalidated.set(url.pathname, now);
  return fetch(request, { cache: 'no-cache' })
    .then((response) => storeStatic(cache, request, response))
    .catch(() => {}); // offline: the cached copy stays
}

/** True when a newer deploy exists: a newer worker is installing or waiting, or a page asked
 * for a ?v= of a precached file other than the one this version holds. */
function outdated(request, url, cached) {
  if (worker.registration.installing || worker.registration.waiting) return true;
  const wanted = url.searchParams.get('v');
  const held = cached && new URL(cached.url).searchParams.get('v');
  if (wanted && held && wanted !== held) staleDeploy = true;
  return staleDeploy;
}

/** /static/: cache first, matching without the ?v= query (ignoreSearch), stored by URL.
 *
 * The precached files need no per-file revalidation: VERSION is a hash of their content,
 * so a deploy that changes any of them changes /sw.js, which the browser checks on every
 * navigation; the new worker then precaches the new set and the page offers the update.
 * A page of a new deploy names new files (new hashed names, new ?v= of the icons): until
 * the update is taken they come from the network, all of them, consistently (a newer deploy
 * seen is remembered, see outdated()); the cache is the fallback when offline.
 * Files outside the precache that were cached at run time are revalidated in the background.
 */
async function staticAsset(event, request, url) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = (await cache.match(request)) || (await cache.match(request, { ignoreSearch: true }));
  if (cached && !outdated(request, url, cached)) {
    if (!PRECACHED_PATHS.has(url.pathname)) event.waitUntil(revalidate(cache, request, url));
    return cached;
  }
  try {
    const response = await fetch(request);
    if (!cached) {
      const copy = response.clone();
      event.waitUntil(storeStatic(cache, request, copy).catch(() => {}));
    }
    return response;
  } catch (err) {
    if (cached) return cached;
    throw err;
  }
}

worker.addEventListener('fetch', (/** @type {FetchEvent} */ event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin) return;
  if (url.pathname.startsWith('/api/')) return; // never cached, never touched
  if (request.mode === 'navigate') {
    event.respondWith(navigate(event, url));
  } else if (url.pathname.startsWith(STATIC_PATH) && !NOT_CACHED.has(url.pathname)) {
    event.respondWith(staticAsset(event, request, url));
  }
  // Everything else (htmx fragments, the manifest, /sw.js) goes to the network untouched.
});
