// data-js-process-new: start a process. Choosing a form fills its default frame (the
// supervisor changes any of it); on submit the browser POSTs /processes with a fresh id and
// then PUTs the name as a sealed item of the process. Retries resend the same id and the
// same sealed body, so a repeated tap never makes two processes or two names.
import { ApiError, api } from '../../api.js';
import { t } from '../../i18n.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, errorMessage, fieldError, go, setStatus } from '../../ui.js';
import { newNameState, putName } from './seal-name.js';

const FRAME = ['session_minutes', 'interval_days', 'session_count'];

/** The frame fields of a form as the API takes them (empty dates left out). */
export function readFrame(form) {
  const value = (name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name))?.value ?? '';
  /** @type {Record<string, any>} */
  const frame = { mode: value('mode') };
  for (const name of FRAME) frame[name] = Number(value(name));
  for (const name of ['starts_on', 'ends_on']) frame[name] = value(name) || null;
  return frame;
}

/** Show a 400's message next to its field when the form has one, else in the status line. */
export function showApiError(form, err) {
  const field = err instanceof ApiError ? String(err.body?.error?.field || '') : '';
  const input = field && /** @type {HTMLInputElement|null} */ (form.querySelector(`#${CSS.escape(field)}`));
  if (err?.status === 400 && input) {
    fieldError(input, t('badInput'));
    setStatus(form, '');
  } else {
    setStatus(form, errorMessage(err), 'error');
  }
}

export default function processNew(root) {
  const form = /** @type {HTMLFormElement} */ (root.querySelector('[data-process-form]'));
  const defaults = JSON.parse(root.dataset.defaults || '{}');
  const name = /** @type {HTMLInputElement} */ (form.querySelector('#process-name'));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  form.addEventListener('change', (event) => {
    const target = /** @type {HTMLInputElement} */ (event.target);
    if (target.name !== 'form' || !defaults[target.value]) return;
    for (const key of FRAME) {
      const input = /** @type {HTMLInputElement} */ (form.elements.namedItem(key));
      input.value = String(defaults[target.value][key]);
    }
  });
  /** What was sent already: kept so that a retry repeats it exactly. */
  let pid = null;
  let sentForm = null;
  let nameState = null;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const title = name.value.trim();
    if (!title) {
      fieldError(name, t('processNameMissing'));
      return;
    }
    const keys = await requireKeys();
    if (!keys) return;
    const uid = /** @type {string} */ (currentUid());
    const chosen = /** @type {HTMLInputElement|null} */ (form.querySelector('input[name=form]:checked'))?.value || 'individual';
    if (sentForm !== chosen) {
      pid = crypto.randomUUID(); // another form is another process
      sentForm = chosen;
    }
    submit.disabled = true;
    setStatus(form, t('saving'), 'busy');
    try {
      await api('POST', '/processes', { id: pid, form: chosen, ...readFrame(form) });
      nameState ??= newNameState();
      await putName(nameState, title, pid, keys, uid);
      setStatus(form, t('saved'), 'ok');
      go(root.dataset.showUrl.replace('PID', pid));
    } catch (err) {
      submit.disabled = false;
      showApiError(form, err);
    }
  });
}
