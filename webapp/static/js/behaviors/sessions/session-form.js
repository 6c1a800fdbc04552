// data-js-session-form (a form): one change to the schedule through the JSON API — plan the
// sessions, add one, move, cancel with a reason, mark held, undo a cancellation or a marking
// held. The form says where to send (data-method, data-url under /api/v1) and, for a change
// of one session, the `updated_at` it was rendered with (data-updated-at): a session changed
// meanwhile is a 409 and nothing is written (a summary written meanwhile says so). On
// success the page is loaded again to show the schedule.
// The add and move forms also say, as the date, time or length is typed, when the new time
// overlaps another of the supervisor's sessions (fetched once from data-busy-url when she
// first touches the form): a hint, not a refusal (two short sessions back to back may be what
// she means); without a connection there is no hint, and the session page says it after.
import { api } from '../../api.js';
import { overlapsOf } from '../../busy.js';
import { t } from '../../i18n.js';
import { showApiError } from '../../process-forms.js';
import { clearErrors, fieldError, setStatus } from '../../ui.js';
import { fromWallClock, timeZone } from '../../zone.js';

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

/**
 * Keep the form's [data-overlap-hint] saying which of the supervisor's other sessions the
 * typed time overlaps (in her time zone, as the form's times are); empty when none.
 * @param {HTMLFormElement} form
 */
function watchOverlaps(form) {
  const hint = form.querySelector('[data-overlap-hint]');
  const url = form.dataset.busyUrl;
  if (!hint || !url) return;
  /** @type {[string, string][] | null} */
  let busy = null;
  /** @type {Promise<void> | null} */
  let loading = null;
  const load = () => {
    loading ??= api('GET', url).then(
      (answer) => {
        busy = (answer?.busy || []).map((/** @type {any} */ b) => [b.starts_at, b.ends_at]);
        update();
      },
      () => {
        loading = null; // offline: the next change asks again (no hint meanwhile; the
        // session page points a clash out after saving)
      },
    );
    return loading;
  };
  const value = (/** @type {string} */ name) => /** @type {HTMLInputElement|null} */ (form.querySelector(`[name="${name}"]`))?.value || '';
  const lang = document.documentElement.lang || 'fi';
  const format = new Intl.DateTimeFormat(lang, { weekday: 'short', day: 'numeric', month: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: timeZone() });
  const update = () => {
    const minutes = Number(value('minutes'));
    const start = fromWallClock(`${value('date')}T${value('time').slice(0, 5)}`);
    let text = '';
    if (busy && start && Number.isInteger(minutes) && minutes > 0) {
      const found = overlapsOf(busy, start, new Date(start.getTime() + minutes * 60_000));
      if (found.length) text = t('sessionOverlapHint').replace('{when}', found.map(([from, to]) => format.formatRange(from, to)).join(', '));
    }
    if (hint.textContent !== text) hint.textContent = text;
  };
  const changed = () => {
    if (busy) update();
    else load();
  };
  form.addEventListener('focusin', () => load(), { once: true });
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
}

export default function sessionForm(form) {
  watchOverlaps(form);
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
