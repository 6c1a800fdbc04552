// A short confirmation carried to the next page ("Saved", "Deleted"): the page that acted
// leaves it for the path it goes to, and that page's [data-js-notice] shows it once.
// Only a key of the translated script strings travels (in sessionStorage, this tab only):
// never any text the person wrote.
const KEY = 'valitila:notice';
/** A notice older than this is stale (left for a page that never showed it). */
const FRESH_MS = 60_000;
/** The keys a notice may carry (script strings of webapp/i18n.py). */
export const NOTICES = ['saved', 'savedLocally', 'deleted', 'deletedLocally', 'draftLeft'];

/**
 * Leave notice `name` for the page at `path` (the next one this tab opens).
 * @param {string} name one of NOTICES
 * @param {string} path
 */
export function leaveNotice(name, path) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ name, path: new URL(path, window.location.href).pathname, at: Date.now() }));
  } catch {
    /* no sessionStorage (private mode): the page goes on without the confirmation */
  }
}

/**
 * The notice left for `path`, taken (it shows once), or null.
 * @param {string} path
 * @returns {string|null}
 */
export function takeNotice(path) {
  let notice = null;
  try {
    notice = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    if (notice?.path === path) sessionStorage.removeItem(KEY);
  } catch {
    return null;
  }
  if (!notice || notice.path !== path || Date.now() - notice.at > FRESH_MS) return null;
  return NOTICES.includes(notice.name) ? notice.name : null;
}
