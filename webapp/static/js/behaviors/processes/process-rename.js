// data-js-process-rename: the supervisor names the process, or renames it. The current name
// (data-sealed) is opened for its key and text; a rename is the next revision sealed with the
// same key, so every member who holds an envelope reads the new name.
import { t } from '../../i18n.js';
import { newNameState, putName, showApiError, showName } from '../../process-forms.js';
import { openSealed } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, fieldError, setStatus } from '../../ui.js';

export default async function processRename(root) {
  const form = /** @type {HTMLFormElement} */ (root.querySelector('[data-rename-form]'));
  const input = /** @type {HTMLInputElement} */ (form.querySelector('#rename'));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  /** @type {{id: string, rev: number, dek: Uint8Array, body?: any, name?: string} | null} */
  let state = null;
  let stored = null; // the revision on the server
  const pid = /** @type {string} */ (root.dataset.pid);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const title = input.value.trim();
    if (!title) {
      fieldError(input, t('processNameMissing'));
      return;
    }
    const keys = await requireKeys();
    if (!keys || !state) return;
    if (stored && state.rev === stored.rev) state = { ...state, rev: stored.rev + 1, body: undefined };
    submit.disabled = true;
    setStatus(form, t('saving'), 'busy');
    try {
      stored = await putName(state, title, pid, keys, /** @type {string} */ (currentUid()));
      setStatus(form, t('saved'), 'ok');
      const heading = document.querySelector('h1.process-name');
      if (heading) showName(heading, title);
    } catch (err) {
      showApiError(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  if (!root.dataset.sealed) {
    state = newNameState();
    return;
  }
  const keys = await requireKeys();
  if (!keys) return;
  try {
    stored = JSON.parse(root.dataset.sealed);
    const { payload, dek } = await openSealed(stored, keys);
    state = { id: stored.id, rev: stored.rev, dek };
    if (typeof payload?.title === 'string') input.value = payload.title;
  } catch {
    setStatus(form, t('decryptFailed'), 'error');
    submit.disabled = true;
  }
}
