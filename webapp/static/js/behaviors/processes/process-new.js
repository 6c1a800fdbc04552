// data-js-process-new: start a process. Choosing a form fills its default frame (the
// supervisor changes any of it); on submit the browser POSTs /processes with a fresh id and
// then PUTs the name as a sealed item of the process. Retries resend the same id and the
// same sealed body, so a repeated tap never makes two processes or two names.
import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { FRAME, newNameState, putName, readFrame, showApiError } from '../../process-forms.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, fieldError, go, setStatus } from '../../ui.js';

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
