// Entry point: attach one behaviour per data-js-* hook, on first load and after every htmx swap.
import { behaviors } from './behaviors/index.js';

const attached = new WeakMap();

function attach(root) {
  for (const [name, behavior] of Object.entries(behaviors)) {
    const selector = `[data-js-${name}]`;
    const nodes = [...root.querySelectorAll(selector)];
    if (root.matches?.(selector)) nodes.unshift(root);
    for (const node of nodes) {
      const done = attached.get(node) || new Set();
      if (done.has(name)) continue;
      done.add(name);
      attached.set(node, done);
      Promise.resolve()
        .then(() => behavior(node))
        .catch((err) => console.error(`behaviour ${name} failed`, err));
    }
  }
}

if (window.htmx) window.htmx.onLoad(attach);
else if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => attach(document.body));
else attach(document.body);
