// The accept button of a signed item (a contract revision, an evaluation): the member accepts
// the item's current rev by signing "valitila/v1/accept|" + id + "|" + rev + "|" +
// b64u(content_hash) with their own key (PROTOCOL §6). What is signed is the item this page
// opened (the `view` element next to the button, data-state=open), so the member accepts
// exactly the text they were shown.
import { ApiError, api } from './api.js';
import { acceptanceBody } from './contract.js';
import { t } from './i18n.js';
import { requireKeys } from './session.js';
import { errorMessage, setStatus } from './ui.js';

/**
 * @param {HTMLFormElement} form the accept form (data-item, data-rev)
 * @param {{view: () => HTMLElement | null, notOpened: string, changed: string, changedCodes: string[]}} options
 *   `view` finds the opened item's element; `notOpened` and `changed` are i18n keys; a
 *   refusal with one of `changedCodes` means the item changed meanwhile
 */
export function acceptForm(form, { view, notOpened, changed, changedCodes }) {
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const shown = view();
    let item;
    try {
      item = JSON.parse(shown?.dataset.sealed || '');
    } catch {
      item = null;
    }
    if (!item || item.id !== form.dataset.item || String(item.rev) !== form.dataset.rev || shown?.dataset.state !== 'open') {
      setStatus(form, t(notOpened), 'error');
      return;
    }
    const keys = await requireKeys();
    if (!keys) return;
    submit.disabled = true;
    setStatus(form, t('accepting'), 'busy');
    try {
      await api('POST', `/items/${item.id}/acceptances`, await acceptanceBody(item, keys.ed25519));
      setStatus(form, t('accepted'), 'ok');
      window.location.reload();
    } catch (err) {
      const code = err instanceof ApiError ? err.body?.error?.code : '';
      // Offline: nothing was written here to keep ("your text stays" is for forms with text).
      const offline = err instanceof ApiError && err.status === 0;
      setStatus(form, changedCodes.includes(code) ? t(changed) : offline ? t('offlineTryAgain') : errorMessage(err), 'error');
      submit.disabled = false;
    }
  });
}
