// Form checks in the app's own language (forms carry `novalidate`, so the browser shows no
// bubbles of its own): every field's error at once, next to its field, values kept.
//
// A field's error element is the `.field-error` among the ids of its aria-describedby (or
// #<id>-error); the input gets aria-invalid="true". The checks read the field's own
// constraints: required, type=email, minlength, maxlength, min and max.
import { t, tn } from './i18n.js';

// Deliberately loose (one @, a dot in the domain, no spaces): the server decides the rest.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The error element of a field, or null. */
export function errorElementOf(input) {
  const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
  for (const id of ids) {
    const el = document.getElementById(id);
    if (el?.classList.contains('field-error')) return el;
  }
  return input.id ? document.getElementById(`${input.id}-error`) : null;
}

/** Show `message` next to `input` and mark it invalid (no focus: see focusFirstError). */
export function showFieldError(input, message) {
  input.setAttribute('aria-invalid', 'true');
  const error = errorElementOf(input);
  if (error) {
    error.textContent = message;
    error.hidden = false;
  }
}

/** Move the focus to the first field marked invalid; true if there was one. */
export function focusFirstError(form) {
  const first = /** @type {HTMLElement|null} */ (form.querySelector('[aria-invalid="true"]'));
  first?.focus();
  return first !== null;
}

/** The message for the field's value, or '' when it passes its own constraints. */
export function fieldProblem(input) {
  const raw = input.value;
  const value = input.type === 'password' ? raw : raw.trim();
  if (!value) {
    if (!input.required) return '';
    if (input.dataset.requiredMessage) return t(input.dataset.requiredMessage);
    if (input.type === 'email') return t('emailRequired');
    if (input.type === 'password') return t('passwordRequired');
    return t('fieldRequired');
  }
  if (input.type === 'email' && !EMAIL.test(value)) return t('emailInvalid');
  const min = Number(input.getAttribute('minlength'));
  if (min && [...value].length < min) return tn('tooShort', min);
  const max = Number(input.getAttribute('maxlength'));
  if (max && [...value].length > max) return tn('tooLong', max);
  if (input.type === 'number') {
    const number = Number(value);
    const low = Number(input.getAttribute('min'));
    const high = Number(input.getAttribute('max'));
    if (!Number.isInteger(number) || number < low || number > high) {
      return t('numberRange').replace('{low}', String(low)).replace('{high}', String(high));
    }
  }
  return '';
}

/** Check every visible input of the form and show each problem next to its field.
 *  True when all pass. The focus goes to the first invalid field unless `focus` is false. */
export function validateForm(form, { focus = true } = {}) {
  let ok = true;
  for (const input of form.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([hidden]), textarea')) {
    const problem = fieldProblem(input);
    if (problem) {
      showFieldError(input, problem);
      ok = false;
    }
  }
  if (!ok && focus) focusFirstError(form);
  return ok;
}
