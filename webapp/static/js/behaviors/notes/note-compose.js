// data-js-note-compose: write a new private note of the process (data-pid), about the
// process as a whole or one of its sessions. Sealed here for the supervisor alone; then the
// page shows it among the notes.
import { t } from '../../i18n.js';
import { leaveNotice } from '../../notices.js';
import { newNoteState, putNote } from '../../notes.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, errorMessage, fieldError, go, setStatus } from '../../ui.js';

export default function noteCompose(root) {
  const form = /** @type {HTMLFormElement} */ (root.querySelector('[data-note-form]'));
  const text = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('body'));
  const session = /** @type {HTMLSelectElement} */ (form.elements.namedItem('session'));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  const pid = /** @type {string} */ (root.dataset.pid);
  let state = newNoteState();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const value = text.value.trim();
    if (!value) {
      fieldError(text, t('noteMissing'));
      return;
    }
    const keys = await requireKeys();
    if (!keys) return;
    submit.disabled = true;
    setStatus(form, t('saving'), 'busy');
    try {
      await putNote(state, { text: value, session: session.value || null, pid, uid: /** @type {string} */ (currentUid()), keys });
      state = newNoteState();
      leaveNotice('saved', window.location.pathname);
      go(window.location.pathname);
    } catch (err) {
      // A retry of the same text sends the same sealed body; a changed text is a new note.
      if (err?.status === 409) state = newNoteState();
      setStatus(form, errorMessage(err), 'error');
      submit.disabled = false;
    }
  });
}
