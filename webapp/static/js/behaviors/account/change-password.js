// data-js-change-password: prove the current password, re-wrap AK under the new one
// (the journal itself is untouched); the server ends every other session.
import { api } from '../../api.js';
import { b64uEncode } from '../../crypto/encoding.js';
import { newPasswordSecrets, unlockAccount } from '../../crypto/identity.js';
import { deriveSecrets } from '../../derive.js';
import { t } from '../../i18n.js';
import * as keystore from '../../keystore.js';
import { newPassword } from '../../passwords.js';
import { currentUid } from '../../session.js';
import { clearErrors, errorMessage, fieldError, nextFrame, setStatus } from '../../ui.js';
import { focusFirstError, validateForm } from '../../validate.js';

export default function changePassword(root) {
  const form = root.querySelector('[data-password-form]');
  const button = form.querySelector('[type=submit]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const current = form.elements.current_password;
    const email = form.elements.email.value;
    const valid = validateForm(form, { focus: false });
    // The button goes off before the password's strength is estimated (the estimator may
    // still be loading): a second tap meanwhile would change the password twice.
    button.disabled = true;
    const password = await newPassword(form, 'new-', [email]);
    if (!valid || password === null) {
      button.disabled = false;
      return void focusFirstError(form);
    }
    setStatus(form, t('changingPassword'), 'busy');
    await nextFrame();
    try {
      const uid = currentUid();
      const keys = await api('GET', '/me/keys');
      const secrets = await deriveSecrets({ email, password: current.value, saltSeed: keys.salt_seed, kdf: keys.kdf });
      let unlocked;
      try {
        unlocked = await unlockAccount({ email, password: current.value, keys, secrets });
      } catch (err) {
        if (err?.code === 'wrong_password') throw Object.assign(new Error('wrong'), { status: 401 });
        throw err;
      }
      const fresh = await newPasswordSecrets({ uid, email, password, akSource: unlocked.akSource });
      await api('POST', '/auth/password', { proof: { auth_key: b64uEncode(secrets.authKey) }, new: fresh });
      const stored = await api('GET', '/me/keys');
      await keystore.saveSession({ uid, email, keys: stored, unlocked });
      form.reset();
      setStatus(form, t('passwordChanged'), 'ok');
    } catch (err) {
      setStatus(form, '', '');
      if (err?.status === 401) fieldError(current, t('passwordWrong'));
      else setStatus(form, errorMessage(err), 'error');
    } finally {
      button.disabled = false;
    }
  });
}
