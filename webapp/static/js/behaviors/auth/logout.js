// data-js-logout: before the sign-out form posts, send what still waits in the outbox, ask
// before anything unsent would be lost, then wipe this device (keys, IndexedDB, caches).
import { tn } from '../../i18n.js';
import { wipeDevice } from '../../keystore.js';
import * as outbox from '../../outbox.js';
import { currentUid } from '../../session.js';

export default function logout(form) {
  form.addEventListener('submit', async (event) => {
    if (form.dataset.wiped) return;
    event.preventDefault();
    const uid = currentUid();
    if (uid) {
      try {
        await outbox.sync(uid);
        const left = (await outbox.pending(uid)).length;
        if (left && !window.confirm(tn('unsentOnLogout', left))) return;
      } catch {
        /* no outbox on this device */
      }
    }
    await wipeDevice();
    form.dataset.wiped = '1';
    form.submit();
  });
}
