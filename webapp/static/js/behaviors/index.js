// The registry: data-js-<name> → a function importing the behaviour module for that hook (its
// default export is behaviour(element)). One file per hook, grouped by area. app.js loads a
// module only when its hook is on the page. The import paths are literal so that the build
// (scripts/build.mjs, esbuild) makes each behaviour a chunk of its own, and lists per hook
// the files that chunk needs: the page names them in <link rel="modulepreload">
// (webapp/preload.py). Keep every entry an arrow function returning the import of a literal
// relative path, one per line: the build reads this file to map hooks to modules, and stops
// on an import of any other form.
export const behaviors = {
  'agenda-builder': () => import('./agendas/agenda-builder.js'),
  'agenda-checklist': () => import('./agendas/agenda-checklist.js'),
  'agenda-print': () => import('./agendas/agenda-print.js'),
  'agenda-read': () => import('./agendas/agenda-read.js'),
  'assignment-answer': () => import('./assignments/assignment-answer.js'),
  'assignment-give': () => import('./assignments/assignment-give.js'),
  'assignment-open': () => import('./assignments/assignment-open.js'),
  'assignment-response': () => import('./assignments/assignment-response.js'),
  'assignment-status': () => import('./assignments/assignment-status.js'),
  'assignment-title': () => import('./assignments/assignment-title.js'),
  'calendar-feed': () => import('./sessions/calendar-feed.js'),
  'change-password': () => import('./account/change-password.js'),
  'checkin-form': () => import('./checkins/checkin-form.js'),
  'checkin-sharing': () => import('./checkins/checkin-sharing.js'),
  'checkin-trend': () => import('./checkins/checkin-trend.js'),
  compose: () => import('./journal/compose.js'),
  'contract-accept': () => import('./contracts/contract-accept.js'),
  'contract-edit': () => import('./contracts/contract-edit.js'),
  'contract-goals': () => import('./contracts/contract-goals.js'),
  'contract-print': () => import('./contracts/contract-print.js'),
  'contract-revision': () => import('./contracts/contract-revision.js'),
  delete: () => import('./journal/delete.js'),
  'erase-account': () => import('./erasure/erase-account.js'),
  'evaluation-accept': () => import('./evaluations/evaluation-accept.js'),
  'evaluation-edit': () => import('./evaluations/evaluation-edit.js'),
  'evaluation-view': () => import('./evaluations/evaluation-view.js'),
  'export-download': () => import('./export/export-download.js'),
  'home-goal': () => import('./home/home-goal.js'),
  'idle-lock': () => import('./auth/idle-lock.js'),
  join: () => import('./people/join.js'),
  'journal-search': () => import('./journal/journal-search.js'),
  'local-journal': () => import('./journal/local-journal.js'),
  localtime: () => import('./common/localtime.js'),
  'lock-now': () => import('./auth/lock-now.js'),
  login: () => import('./auth/login.js'),
  logout: () => import('./auth/logout.js'),
  'new-recovery': () => import('./account/new-recovery.js'),
  notice: () => import('./common/notice.js'),
  'note-compose': () => import('./notes/note-compose.js'),
  notes: () => import('./notes/notes.js'),
  offline: () => import('./pwa/offline.js'),
  'outbox-status': () => import('./pwa/outbox-status.js'),
  'password-strength': () => import('./common/password-strength.js'),
  'process-end': () => import('./processes/process-end.js'),
  'process-frame': () => import('./processes/process-frame.js'),
  'process-invites': () => import('./processes/process-invites.js'),
  'process-members': () => import('./processes/process-members.js'),
  'process-name': () => import('./processes/process-name.js'),
  'process-new': () => import('./processes/process-new.js'),
  'process-rename': () => import('./processes/process-rename.js'),
  'process-sync': () => import('./processes/process-sync.js'),
  pwa: () => import('./pwa/pwa.js'),
  recover: () => import('./auth/recover.js'),
  safety: () => import('./people/safety.js'),
  sealed: () => import('./journal/sealed.js'),
  'session-form': () => import('./sessions/session-form.js'),
  'share-panel': () => import('./sharing/share-panel.js'),
  'shared-list': () => import('./sharing/shared-list.js'),
  'signed-out': () => import('./auth/signed-out.js'),
  signup: () => import('./auth/signup.js'),
  summary: () => import('./held/summary.js'),
  'summary-editor': () => import('./held/summary-editor.js'),
  support: () => import('./common/support.js'),
  'topic-form': () => import('./checkins/topic-form.js'),
  topics: () => import('./checkins/topics.js'),
  unlock: () => import('./auth/unlock.js'),
  unsent: () => import('./pwa/unsent.js'),
};

/**
 * Hooks attached before the others on a page: they show what the page is for (the journal's
 * sealed cards, the agenda builder's gathered items and lines), while the rest add listeners
 * and details that can wait a few milliseconds (on the agenda page they otherwise fetched,
 * registered the worker and read IndexedDB while its 300 items were being opened).
 * @type {(keyof typeof behaviors)[]}
 */
export const first = ['sealed', 'local-journal', 'agenda-builder'];

/** The hook names in the order app.js attaches them: `first`, then the rest as listed. */
export const attachOrder = /** @type {(keyof typeof behaviors)[]} */ ([
  ...first,
  ...Object.keys(behaviors).filter((name) => !first.includes(/** @type {keyof typeof behaviors} */ (name))),
]);

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
    module = behaviors[name]().then((mod) => /** @type {Behavior} */ (mod.default));
    loaded.set(name, module);
  }
  return module;
}
