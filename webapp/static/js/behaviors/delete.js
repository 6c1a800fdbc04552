// data-js-delete="<item id>": confirm in a <dialog>, then delete through the API.
import { api } from '../api.js';
import { errorMessage, go, setStatus } from '../ui.js';

export default function deleteItem(button) {
  const dialog = document.getElementById(button.dataset.dialog);
  button.addEventListener('click', () => dialog.showModal());
  dialog.querySelector('[data-cancel]').addEventListener('click', () => dialog.close());
  const confirm = dialog.querySelector('[data-confirm]');
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      await api('DELETE', `/items/${button.dataset.jsDelete}`);
      go(button.dataset.next);
    } catch (err) {
      confirm.disabled = false;
      setStatus(dialog, errorMessage(err), 'error');
    }
  });
}
