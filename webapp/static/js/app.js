// Entry point: for every data-js-* hook on the page (on first load and after every htmx
// swap), import that hook's behaviour module — only those whose hook is present — and attach
// it once to each element carrying the hook.
//
// The page names, in <link rel="modulepreload">, every built file its hooks need (the server
// adds them: webapp/preload.py), so the imports below find their modules fetched already.
// The page's hooks are attached as soon as the document is parsed (this module runs then),
// not later on htmx's load event; a signed-in page has started reading its keys from
// IndexedDB already (prefetch.js, then below), which the behaviours (the journal's sealed
// cards first) would otherwise do only once their modules have loaded.
//
// The modules load after the page: a form submitted before its behaviour is attached (a fast
// tap, a test) is held and submitted again once the behaviour is there, never sent natively.
import { attachOrder, first, loadBehavior } from './behaviors/index.js';
import { prefetch } from './keystore.js';

// For the benchmarks (bench/): when the page's script begins its work (its imports loaded and
// the document parsed); the journal's cards then set `valitila:entries-opened` (sealed.js).
performance.mark('valitila:app-start');

// Signed in (the page names its user): the behaviours will read the unlocked keys, the
// account (its own signing key) and the last activity (idle-lock); opening the database and
// reading them take tens of milliseconds, spent while the behaviours load (keystore.prefetch:
// one transaction, taken by the first read of each, ahead of idle-lock's activity write).
// base.html's prefetch.js has usually started this already, during the parse; then this call
// finds the keys asked for and does nothing (it stays for a page without that script).
if (document.querySelector('meta[name="valitila-user"]')) prefetch(['unlocked', 'account', 'activity']);

/** @type {WeakMap<Element, Set<string>>} */
const attached = new WeakMap();

/** Mark `node` as attached for `name`; false when it already was. */
function claim(node, name) {
  const done = attached.get(node) || new Set();
  if (done.has(name)) return false;
  done.add(name);
  attached.set(node, done);
  return true;
}

/** Elements whose behaviours are still loading → settles once they are attached.
 *  @type {WeakMap<Element, Promise<unknown>>} */
const loading = new WeakMap();

/** @param {Element} node @param {Promise<unknown>} attached */
function trackLoading(node, attached) {
  const all = Promise.allSettled([loading.get(node), attached]);
  loading.set(node, all);
  all.then(() => {
    if (loading.get(node) === all) loading.delete(node);
  });
}

/** @param {Element} element */
const hasHook = (element) => element.getAttributeNames().some((name) => name.startsWith('data-js-'));

/**
 * Submit buttons of forms that carry secrets are rendered `disabled data-needs-js`: until the
 * behaviour has attached its listeners, neither a tap nor Enter (implicit submission needs an
 * enabled default button) can send the form natively, with the email in a GET URL. Only the
 * controls whose nearest hook is `node` are enabled: a behaviour of an element around the form
 * (the signed-out page's <body>) attaching first must not enable it.
 * @param {Element} node
 */
function enableControls(node) {
  const controls = /** @type {NodeListOf<HTMLButtonElement>} */ (node.querySelectorAll('[data-needs-js]'));
  for (const control of controls) {
    let owner = control.parentElement;
    while (owner && owner !== node && !hasHook(owner)) owner = owner.parentElement;
    if (owner !== node) continue;
    control.removeAttribute('data-needs-js');
    control.disabled = false;
  }
}

/** At most this long (ms) the other behaviours of a page wait for the first ones' work. */
const FIRST_WAIT = 300;

/** @param {number} ms */
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles once the browser has painted the frame after now (a task after the next animation
 *  frame; a hidden tab, which runs no frames, is covered by FIRST_WAIT). */
const afterPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/**
 * Attach the behaviours of the hooks in `root`. The `first` hooks (the journal's sealed
 * cards) load and run at once; the other behaviours load once the first ones' work is done
 * and on screen (the cards opened, and the frame showing them painted), or FIRST_WAIT at
 * most, so that they do not compete with it for the main thread and IndexedDB, nor delay the
 * frame that shows it. Their elements count as loading meanwhile: a click or submit on
 * them is held until they are attached (see below).
 * @param {Element} root
 */
function attach(root) {
  /** @type {Promise<unknown>[]} */
  const firstWork = [];
  /** @type {Promise<unknown> | null} */
  let others = null;
  for (const name of attachOrder) {
    const selector = `[data-js-${name}]`;
    const nodes = [...root.querySelectorAll(selector)];
    if (root.matches?.(selector)) nodes.unshift(root);
    const fresh = nodes.filter((node) => claim(node, name));
    if (!fresh.length) continue;
    const isFirst = first.includes(name);
    if (!isFirst) others ??= firstWork.length ? Promise.race([Promise.allSettled(firstWork).then(afterPaint), delay(FIRST_WAIT)]) : Promise.resolve();
    const attached = (isFirst ? Promise.resolve() : /** @type {Promise<unknown>} */ (others))
      .then(() => loadBehavior(name))
      .then(
        (behavior) =>
          fresh.map((node) =>
            // The synchronous part (listeners) runs now; the rest may go on asynchronously.
            Promise.resolve()
              .then(() => {
                const result = behavior(/** @type {HTMLElement} */ (node));
                enableControls(node);
                return result;
              })
              .catch((err) => console.error(`behaviour ${name} failed`, err)),
          ),
        (err) => {
          console.error(`behaviour ${name} could not be loaded`, err);
          return [];
        },
      );
    if (isFirst) firstWork.push(attached.then((work) => Promise.allSettled(work)));
    for (const node of fresh) trackLoading(node, attached.then(() => Promise.resolve()));
  }
}

// Hold a submit whose form (or an element around it) still waits for its behaviour.
document.addEventListener(
  'submit',
  (event) => {
    const form = /** @type {HTMLFormElement} */ (event.target);
    const waits = pendingAround(form);
    if (!waits.length) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const submitter = /** @type {SubmitEvent} */ (event).submitter;
    Promise.all(waits).then(() => form.requestSubmit(submitter instanceof HTMLElement && submitter.closest('form') === form ? submitter : undefined));
  },
  true,
);

/** The loading promises of `node` and the elements around it. @param {Element|null} node */
function pendingAround(node) {
  const waits = [];
  for (; node; node = node.parentElement) {
    const pending = loading.get(node);
    if (pending) waits.push(pending);
  }
  return waits;
}

// Hold a click on an element whose behaviour is still loading (a fast tap on "Delete"
// would otherwise do nothing), and click again once the behaviour is attached.
document.addEventListener(
  'click',
  (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (!(target instanceof HTMLElement) || !event.isTrusted) return;
    const waits = pendingAround(target);
    if (!waits.length) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    Promise.all(waits).then(() => target.click());
  },
  true,
);

// Content htmx swaps in (htmx 2's load event, which htmx.onLoad listens to: it bubbles from
// each new element). htmx also sends it for <body> once it has started, after this module
// has attached the page: nothing is attached twice.
document.addEventListener('htmx:load', (event) => {
  const elt = /** @type {CustomEvent<{elt?: Element}>} */ (event).detail?.elt;
  if (elt instanceof Element) attach(elt);
});
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => attach(document.body));
else attach(document.body);
