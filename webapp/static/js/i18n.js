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

/** The string for a count: `<key>_one` when n is 1, else `<key>_other` (fi, sv and en all
 *  have these two forms; webapp/i18n.py JS_PLURALS renders both), with {n} filled in. */
export function tn(key, n) {
  const form = n === 1 ? `${key}_one` : `${key}_other`;
  return t(form).replace('{n}', String(n));
}
