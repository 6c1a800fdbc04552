// data-js-recover: prove the recovery key, unwrap AK, set a new password and a NEW recovery
// key (PROTOCOL §3), then sign in with the new password.
import { api } from '../../api.js';
import { parseRecoveryKey } from '../../crypto/encoding.js';
import { newPasswordSecrets, newRecovery, recoverAccount, recoveryAuthKey } from '../../crypto/identity.js';
import { t } from '../../i18n.js';
import { newPassword } from '../../passwords.js';
import { confirmRecoveryKey } from '../../recovery-key.js';
import { signIn } from '../../session.js';
import { clearErrors, errorMessage, fieldError, go, nextFrame, setStatus } from '../../ui.js';
import { focusFirstError, showFieldError, validateForm } from '../../validate.js';

export default function recover(root) {
  const form = root.querySelector('[data-recover-form]');
  const button = form.querySelector('[type=submit]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const email = form.elements.email.value.trim();
    let valid = validateForm(form, { focus: false });
    let rk;
    if (!form.elements.recovery_key.hasAttribute('aria-invalid')) {
      try {
        rk = parseRecoveryKey(form.elements.recovery_key.value);
      } catch {
        showFieldError(form.elements.recovery_key, t('recoveryFormat'));
        valid = false;
      }
    }
    // The button goes off before the password's strength is estimated (the estimator may
    // still be loading): a second tap meanwhile would start a second reset beside this one.
    button.disabled = true;
    const password = await newPassword(form, '', [email]);
    if (!valid || password === null) {
      button.disabled = false;
      return void focusFirstError(form);
    }
    setStatus(form, t('deriving'), 'busy');
    await nextFrame();
    try {
      const proof = { email, recovery_auth_key: await recoveryAuthKey(rk) };
      const found = await api('POST', '/auth/recover', proof);
      const opened = await recoverAccount({
        uid: found.uid,
        recoveryKey: rk,
        recovery_wrapped_ak: found.recovery.wrapped_ak,
      });
      const secrets = await newPasswordSecrets({ uid: found.uid, email, password, akSource: opened.akSource });
      const fresh = await newRecovery({ uid: found.uid, akSource: opened.akSource });
      await api('POST', '/auth/password', { proof, new: { ...secrets, recovery: fresh.recovery } });
      await signIn(email, password);
      setStatus(form, '', 'ok');
      form.hidden = true;
      root.hidden = true;
      await confirmRecoveryKey(document.querySelector('[data-recovery]'), fresh.recoveryDisplay, email, fresh.recovery.auth_key);
      go(root.dataset.next);
    } catch (err) {
      button.disabled = false;
      setStatus(form, '', '');
      if (err?.status === 401 || err?.code === 'wrong_recovery_key') fieldError(form.elements.recovery_key, t('wrongRecovery'));
      else setStatus(form, errorMessage(err), 'error');
    }
  });
}
