// data-js-evaluation-accept: a member accepts the evaluation's current rev by signing
// "valitila/v1/accept|" + id + "|" + rev + "|" + b64u(content_hash) with their own key
// (PROTOCOL §6). What is signed is the item this page opened (the evaluation above the
// button), so the member accepts exactly the text they were shown.
import { ApiError, api } from '../../api.js';
import { acceptanceBody } from '../../contract.js';
import { t } from '../../i18n.js';
import { requireKeys } from '../../session.js';
import { errorMessage, setStatus } from '../../ui.js';

export default function evaluationAccept(form) {
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const view = /** @type {HTMLElement | null} */ (form.closest('.evaluation')?.querySelector('[data-js-evaluation-view]'));
    let item;
    try {
      item = JSON.parse(view?.dataset.sealed || '');
    } catch {
      item = null;
    }
    if (!item || item.id !== form.dataset.item || String(item.rev) !== form.dataset.rev || view?.dataset.state !== 'open') {
      setStatus(form, t('evaluationNotOpened'), 'error');
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
      setStatus(form, code === 'stale_rev' ? t('evaluationChanged') : errorMessage(err), 'error');
      submit.disabled = false;
    }
  });
}
