// data-js-topic-form: a supervisee proposes a topic for the next session of the process
// (data-pid): sealed here ({text}), shared with the supervisor (data-supervisor) through the
// process as it is made, linked to the next planned session (data-session) when there is one.
// What is typed is kept as a sealed draft on this device (drafts.js) until it is sent, so a
// reload or a closed tab loses nothing; it comes back in the box on the next open.
import { processItemBody } from '../../checkins.js';
import { newDek } from '../../crypto/envelope.js';
import { api } from '../../api.js';
import { formDraft } from '../../drafts.js';
import { t } from '../../i18n.js';
import { leaveNotice } from '../../notices.js';
import { bundleFor } from '../../pins.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, errorMessage, fieldError, go, setStatus } from '../../ui.js';

export default function topicForm(root) {
  const form = /** @type {HTMLFormElement} */ (root.querySelector('[data-topic-form]'));
  const text = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('text'));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  const { pid, supervisor, session } = /** @type {{pid: string, supervisor: string, session: string}} */ (root.dataset);
  // A retry of the same text sends the same item (id and DEK kept until it is saved).
  let state = { id: crypto.randomUUID(), dek: newDek() };
  const draft = formDraft(form, {
    key: `topic:${pid}`,
    uid: currentUid(),
    read: () => ({ text: text.value }),
    fill: (kept) => {
      text.value = kept.text;
    },
    blank: (value) => typeof value?.text !== 'string' || !value.text.trim(),
    restored: () => setStatus(form, t('draftRestored')),
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const value = text.value.trim();
    if (!value) {
      fieldError(text, t('topicMissing'));
      return;
    }
    const sealing = await requireKeys();
    if (!sealing) return;
    submit.disabled = true;
    setStatus(form, t('saving'), 'busy');
    try {
      const body = await processItemBody({
        id: state.id, kind: 'topic', rev: 1, payload: { text: value }, dek: state.dek, pid,
        links: session ? { session } : null, uid: /** @type {string} */ (currentUid()), keys: sealing, readers: [supervisor], bundleFor,
      });
      await api('PUT', `/items/${state.id}`, body);
      state = { id: crypto.randomUUID(), dek: newDek() };
      await draft.forget();
      leaveNotice('saved', window.location.pathname);
      go(window.location.pathname);
    } catch (err) {
      if (err?.status === 409) state = { id: crypto.randomUUID(), dek: newDek() };
      setStatus(form, err?.name === 'PinError' ? t('checkinKeyChanged') : errorMessage(err), 'error');
      submit.disabled = false;
    }
  });
}
