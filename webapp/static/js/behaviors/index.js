// The registry: data-js-<name> → the behaviour module for that hook (its default export is
// behaviour(element)). One file per hook, grouped by area; paths are relative to this file.
// app.js loads a module only when its hook is on the page.
export const behaviors = {
  'change-password': './account/change-password.js',
  compose: './journal/compose.js',
  delete: './journal/delete.js',
  'idle-lock': './auth/idle-lock.js',
  'journal-search': './journal/journal-search.js',
  'local-journal': './journal/local-journal.js',
  localtime: './common/localtime.js',
  'lock-now': './auth/lock-now.js',
  login: './auth/login.js',
  logout: './auth/logout.js',
  'new-recovery': './account/new-recovery.js',
  notice: './common/notice.js',
  offline: './pwa/offline.js',
  'outbox-status': './pwa/outbox-status.js',
  'password-strength': './common/password-strength.js',
  pwa: './pwa/pwa.js',
  recover: './auth/recover.js',
  sealed: './journal/sealed.js',
  'signed-out': './auth/signed-out.js',
  signup: './auth/signup.js',
  support: './common/support.js',
  unlock: './auth/unlock.js',
};

/** @typedef {(element: HTMLElement) => unknown} Behavior */

/** @type {Map<string, Promise<Behavior>>} */
const loaded = new Map();

/**
 * The behaviour for hook `name`, imported on first use (once per page).
 * @param {keyof typeof behaviors} name
 * @returns {Promise<Behavior>}
 */
export function loadBehavior(name) {
  let module = loaded.get(name);
  if (!module) {
    module = import(behaviors[name]).then((mod) => mod.default);
    loaded.set(name, module);
  }
  return module;
}
