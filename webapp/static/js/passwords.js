// Checks shared by the forms that set a new password (sign-up, change, reset).
import { t } from './i18n.js';
import { estimate } from './strength.js';
import { fieldError } from './ui.js';

/** The new password of a form with #<prefix>password and #<prefix>password2, or null
 *  after showing the error next to the field. */
export async function newPassword(form, prefix = '', context = []) {
  const first = form.querySelector(`#${prefix}password`);
  const second = form.querySelector(`#${prefix}password2`);
  const { acceptable } = await estimate(first.value, context);
  if (!acceptable) {
    fieldError(first, t('weakPassword'));
    return null;
  }
  if (first.value !== second.value) {
    fieldError(second, t('passwordMismatch'));
    return null;
  }
  return first.value;
}
