// Hooks the page runs before the app updates itself (a new service worker takes over):
// e.g. the compose page seals its open draft first.
const hooks = new Set();

/** Run `fn` (async) before an update reloads the page. */
export function beforeUpdate(fn) {
  hooks.add(fn);
}

/** Await every registered hook (errors are logged, never block the update). */
export async function runBeforeUpdate() {
  for (const fn of hooks) {
    try {
      await fn();
    } catch (err) {
      console.error('before-update hook failed', err);
    }
  }
}
