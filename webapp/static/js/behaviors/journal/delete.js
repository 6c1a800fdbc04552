// data-js-delete="<item id>": confirm in a <dialog>, then delete through the outbox (sent
// now, or queued while offline); the item leaves this device's sealed mirror at once. The
// list then says "Deleted" (or that the deletion is sent when the connection is back).
import { leaveNotice } from '../../notices.js';
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
      const left = (await outbox.pending(uid)).filter((op) => op.id === id);
      const failed = left.find((op) => op.error);
      if (failed) throw Object.assign(new Error(failed.error.message), { status: failed.error.status });
      leaveNotice(left.length ? 'deletedLocally' : 'deleted', button.dataset.next);
      go(button.dataset.next);
    } catch (err) {
      confirm.disabled = false;
      setStatus(dialog, errorMessage(err), 'error');
    }
  });
}
