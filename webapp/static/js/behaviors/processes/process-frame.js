// data-js-process-frame (a form): the supervisor changes the schedule frame (PATCH).
import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { readFrame, showApiError } from '../../process-forms.js';
import { clearErrors, setStatus } from '../../ui.js';

export default function processFrame(form) {
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    setStatus(form, t('saving'), 'busy');
    try {
      await api('PATCH', `/processes/${form.dataset.pid}`, readFrame(form));
      setStatus(form, t('saved'), 'ok');
    } catch (err) {
      showApiError(form, err);
    } finally {
      submit.disabled = false;
    }
  });
}
