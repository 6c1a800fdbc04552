// data-js-logout: before the sign-out form posts, wipe this device (keys, IndexedDB, caches).
import { wipeDevice } from '../keystore.js';

export default function logout(form) {
  form.addEventListener('submit', async (event) => {
    if (form.dataset.wiped) return;
    event.preventDefault();
    await wipeDevice();
    form.dataset.wiped = '1';
    form.submit();
  });
}
