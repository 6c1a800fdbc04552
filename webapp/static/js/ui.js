// Small DOM helpers shared by behaviours: status lines and field errors.
import { t } from './i18n.js';

/**
 * The status line of `root`: the first element with a bare `data-status` (a message line).
 * An element whose data-status holds a value (`data-status="open"`: a badge, a list row) is
 * a state, never written into.
 * @param {ParentNode} root
 * @returns {HTMLElement | null}
 */
export function statusLine(root) {
  return root.querySelector('[data-status=""]');
}

/** Show a status message (kind: '', 'busy', 'ok', 'error') in the element's status line. */
export function setStatus(root, text, kind = '') {
  const el = statusLine(root);
  if (!el) return;
  el.textContent = text;
  el.dataset.state = kind;
  if (kind === 'busy') el.setAttribute('aria-busy', 'true');
  else el.removeAttribute('aria-busy');
}

/** Mark a field invalid with a message tied to it by aria-describedby. */
export function fieldError(input, message) {
  const error = input && document.getElementById(`${input.id}-error`);
  if (!input) return;
  input.setAttribute('aria-invalid', 'true');
  if (error) {
    error.textContent = message;
    error.hidden = false;
  }
  input.focus();
}

export function clearErrors(form) {
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const error of form.querySelectorAll('.field-error')) {
    error.textContent = '';
    error.hidden = true;
  }
}

/** A message in the user's language for an API or crypto error (the server's own
 *  messages are English, for developers). */
export function errorMessage(err) {
  if (err?.status === 0) return t('offline');
  if (err?.status === 429) return t('rateLimited');
  if (err?.status === 404) return t('notFound');
  if (err?.status === 400 || err?.status === 413) return t('badInput');
  return t('genericError');
}

/** Let the browser paint a status before heavy work starts. */
export function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Go to a local path only. */
export function go(path) {
  // eslint-disable-next-line no-control-regex
  const safe = typeof path === 'string' && /^\/(?![/\\])[^\x00-\x20\x7f\\]*$/.test(path) ? path : '/journal/';
  window.location.assign(safe);
}

/**
 * Ask in a <dialog> (its [data-confirm], [data-cancel] and [data-status]) before `action`
 * (e.g. deleting an item for good): while it runs the dialog says `busyText`; on success the
 * dialog closes and `done` runs; on failure it says why in the user's language and stays.
 * @param {HTMLDialogElement|null} dialog
 * @param {string} busyText
 * @param {() => Promise<unknown>} action
 * @param {() => void} done
 */
export function confirmThen(dialog, busyText, action, done) {
  if (!dialog) return;
  setStatus(dialog, '');
  const confirm = /** @type {HTMLButtonElement} */ (dialog.querySelector('[data-confirm]'));
  confirm.onclick = async () => {
    confirm.disabled = true;
    setStatus(dialog, busyText, 'busy');
    try {
      await action();
      dialog.close();
      done();
    } catch (err) {
      setStatus(dialog, errorMessage(err), 'error');
    } finally {
      confirm.disabled = false;
    }
  };
  /** @type {HTMLButtonElement} */ (dialog.querySelector('[data-cancel]')).onclick = () => dialog.close();
  dialog.showModal();
}

/**
 * Copy a field's value to the clipboard; where the clipboard API is refused, select the
 * field and try the older copy command. Resolves to whether it was copied (when not, the
 * text is selected for the person to copy).
 * @param {HTMLInputElement|HTMLTextAreaElement} input
 */
export async function copyText(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.focus();
    input.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}
