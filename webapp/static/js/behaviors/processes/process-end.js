// data-js-process-end: the supervisor ends the process, after a plain confirmation.
import { api } from '../../api.js';
import { errorMessage, go, setStatus } from '../../ui.js';

export default function processEnd(root) {
  const dialog = /** @type {HTMLDialogElement} */ (root.querySelector('[data-end-dialog]'));
  const confirm = /** @type {HTMLButtonElement} */ (dialog.querySelector('[data-confirm]'));
  root.querySelector('[data-open]')?.addEventListener('click', () => dialog.showModal());
  dialog.querySelector('[data-cancel]')?.addEventListener('click', () => dialog.close());
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      await api('POST', `/processes/${root.dataset.pid}/end`);
      go(window.location.pathname);
    } catch (err) {
      confirm.disabled = false;
      setStatus(dialog, errorMessage(err), 'error');
    }
  });
}
