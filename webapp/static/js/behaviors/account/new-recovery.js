// data-js-new-recovery: prove the password, make a NEW recovery key and wrap the account key
// under it (PROTOCOL §3; the old recovery key stops working), then show the key once and
// have it confirmed as at sign-up.
import { api } from '../../api.js';
import { b64uEncode } from '../../crypto/encoding.js';
import { newRecovery, unlockAccount } from '../../crypto/identity.js';
import { deriveSecrets } from '../../derive.js';
import { t } from '../../i18n.js';
import { confirmRecoveryKey } from '../../recovery-key.js';
import { currentUid } from '../../session.js';
import { clearErrors, errorMessage, fieldError, go, nextFrame, setStatus } from '../../ui.js';

/** The account key as an AK source (re-wrappable), opened with the password here. */
async function openWithPassword(email, password) {
  const keys = await api('GET', '/me/keys');
  const secrets = await deriveSecrets({ email, password, saltSeed: keys.salt_seed, kdf: keys.kdf });
  try {
    const unlocked = await unlockAccount({ email, password, keys, secrets });
    return { akSource: unlocked.akSource, authKey: b64uEncode(secrets.authKey) };
  } catch (err) {
    if (err?.code === 'wrong_password') throw Object.assign(new Error('wrong password'), { code: 'bad_credentials' });
    throw err;
  }
}

export default function newRecoveryKey(root) {
  const form = root.querySelector('[data-new-recovery-form]');
  const button = form.querySelector('[type=submit]');
  const current = form.elements.current_password;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!current.value) return fieldError(current, t('recoveryPasswordNeeded'));
    button.disabled = true;
    setStatus(form, t('makingRecoveryKey'), 'busy');
    await nextFrame();
    let fresh;
    const email = form.elements.email.value;
    try {
      const { akSource, authKey } = await openWithPassword(email, current.value);
      fresh = await newRecovery({ uid: currentUid(), akSource });
      await api('POST', '/me/recovery', { proof: { auth_key: authKey }, recovery: fresh.recovery });
    } catch (err) {
      button.disabled = false;
      setStatus(form, '', '');
      if (err?.code === 'bad_credentials') fieldError(current, t('recoveryWrongPassword'));
      else setStatus(form, errorMessage(err), 'error');
      return;
    }
    setStatus(form, '', 'ok');
    form.reset();
    root.hidden = true;
    await confirmRecoveryKey(document.querySelector('[data-recovery]'), fresh.recoveryDisplay, email, fresh.recovery.auth_key);
    go(root.dataset.next);
  });
}
