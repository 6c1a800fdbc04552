// data-js-delete="<item id>": confirm in a <dialog>, then delete through the outbox (sent
// now, or queued while offline); the item leaves this device's sealed mirror at once.
import * as outbox from '../../outbox.js';
import { currentUid } from '../../session.js';
import { errorMessage, go, setStatus } from '../../ui.js';

export default function deleteItem(button) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById(button.dataset.dialog));
  button.addEventListener('click', () => dialog.showModal());
  dialog.querySelector('[data-cancel]').addEventListener('click', () => dialog.close());
  const confirm = /** @type {HTMLButtonElement} */ (dialog.querySelector('[data-confirm]'));
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    const uid = currentUid();
    const id = button.dataset.jsDelete;
    try {
      await outbox.queueDelete(uid, id);
      await outbox.sync(uid);
      const failed = (await outbox.pending(uid)).find((op) => op.id === id && op.error);
      if (failed) throw Object.assign(new Error(failed.error.message), { status: failed.error.status });
      go(button.dataset.next);
    } catch (err) {
      confirm.disabled = false;
      setStatus(dialog, errorMessage(err), 'error');
    }
  });
}
