// Entry point: for every data-js-* hook on the page (on first load and after every htmx
// swap), import that hook's behaviour module — only those whose hook is present — and attach
// it once to each element carrying the hook.
import { behaviors, loadBehavior } from './behaviors/index.js';

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

/** @param {Element} root */
function attach(root) {
  for (const name of /** @type {(keyof typeof behaviors)[]} */ (Object.keys(behaviors))) {
    const selector = `[data-js-${name}]`;
    const nodes = [...root.querySelectorAll(selector)];
    if (root.matches?.(selector)) nodes.unshift(root);
    const fresh = nodes.filter((node) => claim(node, name));
    if (!fresh.length) continue;
    loadBehavior(name).then(
      (behavior) => {
        for (const node of fresh) {
          Promise.resolve()
            .then(() => behavior(/** @type {HTMLElement} */ (node)))
            .catch((err) => console.error(`behaviour ${name} failed`, err));
        }
      },
      (err) => console.error(`behaviour ${name} could not be loaded`, err),
    );
  }
}

if (window.htmx) window.htmx.onLoad(attach);
else if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => attach(document.body));
else attach(document.body);
