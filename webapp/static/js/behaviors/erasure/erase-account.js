// data-js-erase-account: delete the account for good. The password's auth key is derived
// here as at sign-in (derive.js; the server never sees the password) and sent to
// POST /api/v1/me/erase; on 204 this device is wiped as signing out wipes it (keys,
// IndexedDB, caches) and the browser goes to the goodbye page. A wrong password changes
// nothing and says so next to the field.
import { api } from '../../api.js';
import { b64uEncode } from '../../crypto/encoding.js';
import { deriveSecrets } from '../../derive.js';
import { t } from '../../i18n.js';
import { wipeDevice } from '../../keystore.js';
import { clearErrors, errorMessage, fieldError, nextFrame, setStatus } from '../../ui.js';
import { focusFirstError, validateForm } from '../../validate.js';

export default function eraseAccount(root) {
  const form = root.querySelector('[data-erase-form]');
  const button = form.querySelector('[type=submit]');
  const goodbye = root.dataset.goodbye || '/goodbye';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const password = form.elements.password;
    const confirm = form.elements.confirm;
    let valid = validateForm(form, { focus: false });
    if (!confirm.checked) {
      fieldError(confirm, t('eraseConfirmNeeded'));
      valid = false;
    }
    if (!valid) return void focusFirstError(form);
    button.disabled = true;
    setStatus(form, t('erasingAccount'), 'busy');
    await nextFrame();
    try {
      const email = form.elements.email.value;
      const keys = await api('GET', '/me/keys');
      const secrets = await deriveSecrets({ email, password: password.value, saltSeed: keys.salt_seed, kdf: keys.kdf });
      await api('POST', '/me/erase', { auth_key: b64uEncode(secrets.authKey) });
    } catch (err) {
      setStatus(form, '', '');
      button.disabled = false;
      if (err?.status === 401 && err?.code !== 'login_required') {
        fieldError(password, t('passwordWrong'));
        password.focus();
      } else {
        setStatus(form, errorMessage(err), 'error');
      }
      return;
    }
    form.reset();
    await wipeDevice();
    window.location.assign(goodbye);
  });
}
