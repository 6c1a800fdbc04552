// data-js-process-members: the supervisor removes a member, after a plain confirmation.
import { api } from '../../api.js';
import { errorMessage, go, setStatus } from '../../ui.js';

export default function processMembers(root) {
  const dialog = /** @type {HTMLDialogElement} */ (root.querySelector('[data-remove-dialog]'));
  const confirm = /** @type {HTMLButtonElement} */ (dialog.querySelector('[data-confirm]'));
  let uid = '';
  root.addEventListener('click', (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('[data-remove]');
    if (!(button instanceof HTMLElement)) return;
    uid = button.dataset.remove || '';
    /** @type {HTMLElement} */ (dialog.querySelector('[data-remove-name]')).textContent = button.dataset.name || '';
    setStatus(dialog, '');
    dialog.showModal();
  });
  dialog.querySelector('[data-cancel]')?.addEventListener('click', () => dialog.close());
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      await api('DELETE', `/processes/${root.dataset.pid}/members/${uid}`);
      go(window.location.pathname);
    } catch (err) {
      confirm.disabled = false;
      setStatus(dialog, errorMessage(err), 'error');
    }
  });
}
