// data-js-unlock: re-derive the keys locally from the password after an inactivity lock.
import { t } from '../../i18n.js';
import { unlockLocally } from '../../session.js';
import { clearErrors, errorMessage, go, nextFrame, setStatus } from '../../ui.js';
import { validateForm } from '../../validate.js';

export default function unlock(root) {
  const form = root.querySelector('[data-unlock-form]');
  const button = form.querySelector('[type=submit]');
  const error = root.querySelector('#unlock-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!validateForm(form)) return;
    button.disabled = true;
    setStatus(form, t('deriving'), 'busy');
    await nextFrame();
    try {
      await unlockLocally(root.dataset.email, form.elements.password.value);
      go(root.dataset.next);
    } catch (err) {
      button.disabled = false;
      setStatus(form, '', '');
      error.textContent = err?.code === 'wrong_password' ? t('passwordWrong') : errorMessage(err);
      error.hidden = false;
      form.elements.password.setAttribute('aria-invalid', 'true');
      form.elements.password.focus();
    }
  });
}
