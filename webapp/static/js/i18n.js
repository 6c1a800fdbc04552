// UI strings for scripts, translated on the server (Flask-Babel) into <body data-i18n>.
let strings = null;

/** The translated string for `key` (the key itself if missing). */
export function t(key) {
  if (strings === null) {
    try {
      strings = JSON.parse(document.body?.dataset.i18n || '{}');
    } catch {
      strings = {};
    }
  }
  return strings[key] ?? key;
}
