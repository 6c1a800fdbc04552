// data-js-lock-now (the header's "Lock now" button): lock at once, as the inactivity lock
// does: seal any open draft (the keystore's before-lock hooks), drop the unlocked keys from
// this device and go to the unlock page, which returns here after the password.
import * as keystore from '../../keystore.js';
import { go } from '../../ui.js';

export default function lockNow(button) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    await keystore.lock();
    const next = window.location.pathname + window.location.search;
    go(`/unlock?next=${encodeURIComponent(next)}&locked=1`);
  });
}
