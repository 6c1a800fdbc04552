// data-js-session-form (a form): one change to the schedule through the JSON API — plan the
// sessions, add one, move, cancel with a reason, mark held, undo a cancellation or a marking
// held. The form says where to send (data-method, data-url under /api/v1) and, for a change
// of one session, the `updated_at` it was rendered with (data-updated-at): a session changed
// meanwhile is a 409 and nothing is written (a summary written meanwhile says so). On
// success the page is loaded again to show the schedule.
import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { showApiError } from '../../process-forms.js';
import { clearErrors, fieldError, setStatus } from '../../ui.js';

const NUMBERS = new Set(['minutes']);

/**
 * The form's named fields as the API's JSON body.
 * @param {HTMLFormElement} form
 */
function readBody(form) {
  /** @type {Record<string, string|number>} */
  const body = {};
  for (const el of /** @type {NodeListOf<HTMLInputElement|HTMLSelectElement>} */ (form.querySelectorAll('[name]'))) {
    if (NUMBERS.has(el.name)) body[el.name] = Number(el.value);
    else body[el.name] = el.value;
  }
  if (form.dataset.updatedAt) body.updated_at = form.dataset.updatedAt;
  return body;
}

/** @param {HTMLFormElement} form */
function missing(form) {
  let bad = false;
  for (const el of /** @type {NodeListOf<HTMLInputElement>} */ (form.querySelectorAll('input[required]'))) {
    if (!el.value || (el.type === 'number' && !el.checkValidity())) {
      fieldError(el, el.type === 'number' ? t('numberRange').replace('{low}', el.min).replace('{high}', el.max) : t('fieldRequired'));
      bad = true;
    }
  }
  return bad;
}

export default function sessionForm(form) {
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (missing(form)) return;
    submit.disabled = true;
    setStatus(form, t('saving'), 'busy');
    try {
      await api(form.dataset.method || 'POST', form.dataset.url || '', readBody(form));
      setStatus(form, t('saved'), 'ok');
      window.location.reload();
    } catch (err) {
      if (err?.status === 409) setStatus(form, t(err.code === 'summary_written' ? 'summaryWritten' : 'sessionChanged'), 'error');
      else showApiError(form, err);
      submit.disabled = false;
    }
  });
}
