// data-js-assignment-give: the supervisor gives an assignment to a supervisee of the process
// (data-pid; a group's form lists every supervisee). A built-in one from the library
// (data-library, in the page's language) fills the form to edit; the words are sealed here
// with a fresh key for the supervisor and each assignee (keys from the pin store), and sent
// with the due time (default: the next session's start, data-due) to PUT /assignments/{id}.
// The supervisor's own templates (items of kind "template", sealed to them alone) are listed
// with the built-in ones, and the form's words can be saved as a new template.
import { api } from '../../api.js';
import { assignmentPayload, assignmentWords, dueFromInput, giveBody, localInputValue, templateBody } from '../../assignments.js';
import { newDek } from '../../crypto/envelope.js';
import { formDraft } from '../../drafts.js';
import { t } from '../../i18n.js';
import { leaveNotice } from '../../notices.js';
import { bundleFor } from '../../pins.js';
import { openBatch } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, errorMessage, fieldError, go, setStatus } from '../../ui.js';

export default function assignmentGive(root) {
  const form = /** @type {HTMLFormElement | null} */ (root.querySelector('[data-give-form]'));
  if (!form) return;
  const field = (name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  /** @type {{key: string, title: string, instructions: string, minutes: number, tags: string[], lang: string}[]} */
  const library = JSON.parse(root.dataset.library || '[]');
  const pid = /** @type {string} */ (root.dataset.pid);
  const due = field('due');
  due.value = localInputValue(root.dataset.due || '');
  let lang = document.documentElement.lang || 'fi';
  let source = '';
  const own = /** @type {HTMLOptGroupElement} */ (form.querySelector('[data-own-templates]'));
  /** @param {string} id @param {any} payload */
  const addTemplate = (id, payload) => {
    const words = assignmentWords(payload);
    const key = `template:${id}`;
    library.push({ key, title: words.title, instructions: words.instructions, minutes: words.minutes ?? 0, tags: words.tags, lang: typeof payload?.lang === 'string' ? payload.lang : lang });
    const option = document.createElement('option');
    option.value = key;
    option.textContent = words.title || t('untitledAssignment');
    own.append(option);
    own.hidden = false;
  };
  loadTemplates(addTemplate);
  /** The form's assignment, or null when a field is wrong (marked, and said in the status). */
  const checkedPayload = () => {
    clearErrors(form);
    const payload = assignmentPayload({
      title: field('title').value, instructions: field('instructions').value, minutes: field('minutes').value,
      tags: field('tags').value, lang, source,
    });
    if (!payload.title) {
      fieldError(field('title'), t('assignmentTitleMissing'));
      return null;
    }
    // An estimate that is not a whole number of minutes in range is refused, not dropped.
    const minutes = /** @type {HTMLInputElement} */ (field('minutes'));
    const estimate = Number(minutes.value);
    if (minutes.value.trim() !== '' && !(Number.isInteger(estimate) && estimate >= Number(minutes.min) && estimate <= Number(minutes.max))) {
      const message = t('numberRange').replace('{low}', minutes.min).replace('{high}', minutes.max);
      fieldError(minutes, message);
      setStatus(form, message, 'error');
      return null;
    }
    return payload;
  };
  const saveTemplate = /** @type {HTMLButtonElement} */ (form.querySelector('[data-save-template]'));
  saveTemplate.addEventListener('click', async () => {
    const payload = checkedPayload();
    if (!payload) return;
    const keys = await requireKeys();
    if (!keys) return;
    try {
      const id = crypto.randomUUID();
      await api('PUT', `/items/${id}`, await templateBody({ id, payload, uid: /** @type {string} */ (currentUid()), keys }));
      addTemplate(id, payload);
      setStatus(form, t('templateSaved'), 'ok');
    } catch (err) {
      setStatus(form, errorMessage(err), 'error');
    }
  });
  field('library').addEventListener('change', () => {
    const chosen = library.find((a) => a.key === field('library').value);
    source = chosen ? chosen.key : '';
    if (!chosen) return;
    field('title').value = chosen.title;
    field('instructions').value = chosen.instructions;
    field('minutes').value = chosen.minutes ? String(chosen.minutes) : '';
    field('tags').value = chosen.tags.join(', ');
    lang = chosen.lang;
  });
  // What is written before it is given is kept as a sealed draft on this device (a reload
  // or a closed tab loses nothing); the due time is not: it follows the schedule.
  const words = ['title', 'instructions', 'minutes', 'tags'];
  const draft = formDraft(form, {
    key: `give:${pid}`,
    uid: currentUid(),
    read: () => ({ ...Object.fromEntries(words.map((name) => [name, field(name).value])), lang, source }),
    fill: (kept) => {
      for (const name of words) if (typeof kept[name] === 'string') field(name).value = kept[name];
      if (typeof kept.lang === 'string') lang = kept.lang;
      if (typeof kept.source === 'string') source = kept.source;
    },
    blank: (value) => words.every((name) => typeof value?.[name] !== 'string' || !value[name].trim()),
    restored: () => setStatus(form, t('draftRestored')),
  });
  // One id and key per assignment being given: a retry sends the same item.
  let state = { id: crypto.randomUUID(), dek: newDek() };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const payload = checkedPayload();
    if (!payload) return;
    const assignees = [...form.querySelectorAll('[name=to]')].map((el) => /** @type {HTMLInputElement} */ (el).value);
    const keys = await requireKeys();
    if (!keys) return;
    submit.disabled = true;
    setStatus(form, t('saving'), 'busy');
    try {
      const uid = /** @type {string} */ (currentUid());
      const session = /** @type {HTMLSelectElement | null} */ (form.elements.namedItem('session'))?.value || null;
      const body = await giveBody({ ...state, payload, pid, assignees, uid, keys, due: dueFromInput(due.value), bundleFor, session });
      await api('PUT', `/assignments/${state.id}`, body);
      const id = state.id;
      state = { id: crypto.randomUUID(), dek: newDek() };
      await draft.forget();
      leaveNotice('saved', `/assignments/${id}`);
      go(`/assignments/${id}`);
    } catch (err) {
      setStatus(form, err?.name === 'PinError' ? t('assignmentKeyChanged') : errorMessage(err), 'error');
      submit.disabled = false;
    }
  });
  // Rendered disabled: usable once every listener above is in place.
  submit.disabled = false;
  saveTemplate.disabled = false;
}

/** The supervisor's own templates, opened on this device, each handed to `add`. */
async function loadTemplates(add) {
  try {
    const { items } = await api('GET', '/items?kind=template&limit=100');
    const batch = await openBatch(items);
    for (const entry of batch?.opened ?? []) {
      if (!entry.error) add(entry.item.id, entry.payload);
    }
  } catch {
    // Offline or locked: the built-in library still works.
  }
}
