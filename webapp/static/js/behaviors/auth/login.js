// data-js-login: prelogin → Argon2id in a worker (with a visible progress state) → auth_key.
import { t } from '../../i18n.js';
import { signIn } from '../../session.js';
import { clearErrors, errorMessage, go, nextFrame, setStatus } from '../../ui.js';
import { validateForm } from '../../validate.js';

export default function login(root) {
  const form = root.querySelector('[data-login-form]');
  const button = form.querySelector('[type=submit]');
  const error = root.querySelector('#login-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    if (!validateForm(form)) return;
    button.disabled = true;
    setStatus(form, t('deriving'), 'busy');
    await nextFrame();
    try {
      await signIn(email, password);
      setStatus(form, '', 'ok');
      go(root.dataset.next);
    } catch (err) {
      button.disabled = false;
      setStatus(form, '', '');
      error.textContent = err?.status === 401 || err?.code === 'wrong_password' ? t('wrongPassword') : errorMessage(err);
      error.hidden = false;
      form.elements.password.setAttribute('aria-invalid', 'true');
      form.elements.password.focus();
    }
  });
}
