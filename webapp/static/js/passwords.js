// Checks shared by the forms that set a new password (sign-up, change, reset).
import { t } from './i18n.js';
import { estimate } from './strength.js';
import { showFieldError } from './validate.js';

/** The new password of a form with #<prefix>password and #<prefix>password2, or null
 *  after showing each problem next to its field (both at once; a field that already shows
 *  an error, e.g. "required" from validateForm, is left as it is). The caller moves the
 *  focus (validate.js focusFirstError). */
export async function newPassword(form, prefix = '', context = []) {
  const first = form.querySelector(`#${prefix}password`);
  const second = form.querySelector(`#${prefix}password2`);
  let ok = !first.hasAttribute('aria-invalid') && !second.hasAttribute('aria-invalid');
  if (!first.hasAttribute('aria-invalid') && !(await estimate(first.value, context)).acceptable) {
    showFieldError(first, t('weakPassword'));
    ok = false;
  }
  if (!second.hasAttribute('aria-invalid') && first.value !== second.value) {
    showFieldError(second, t('passwordMismatch'));
    ok = false;
  }
  return ok ? first.value : null;
}
