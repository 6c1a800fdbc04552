// data-js-topic-form: a supervisee proposes a topic for the next session of the process
// (data-pid): sealed here ({text}), shared with the supervisor (data-supervisor) through the
// process as it is made, linked to the next planned session (data-session) when there is one.
// What is typed is kept as a sealed draft on this device (drafts.js) until it is sent, so a
// reload or a closed tab loses nothing; it comes back in the box on the next open.
import { processItemBody } from '../../checkins.js';
import { newDek } from '../../crypto/envelope.js';
import { api } from '../../api.js';
import { dropDraft, loadDraft, saveDraft } from '../../drafts.js';
import { t } from '../../i18n.js';
import { leaveNotice } from '../../notices.js';
import { bundleFor } from '../../pins.js';
import * as keystore from '../../keystore.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, errorMessage, fieldError, go, setStatus } from '../../ui.js';

export default function topicForm(root) {
  const form = /** @type {HTMLFormElement} */ (root.querySelector('[data-topic-form]'));
  const text = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('text'));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  const { pid, supervisor, session } = /** @type {{pid: string, supervisor: string, session: string}} */ (root.dataset);
  // A retry of the same text sends the same item (id and DEK kept until it is saved).
  let state = { id: crypto.randomUUID(), dek: newDek() };
  const uid = currentUid();
  const draftKey = `topic:${pid}`;
  // The listeners go on at once (the button is enabled right after this function's first
  // part, app.js); the draft is read meanwhile.
  const opened = uid ? keystore.unlockedKeys(uid) : Promise.resolve(null);
  /** @type {Promise<void>} */
  let draftWrite = Promise.resolve();
  /** @type {ReturnType<typeof setTimeout> | null} */
  let draftTimer = null;
  text.addEventListener('input', () => {
    if (draftTimer) clearTimeout(draftTimer);
    draftTimer = setTimeout(() => {
      draftTimer = null;
      const value = text.value;
      draftWrite = draftWrite
        .then(async () => {
          const keys = await opened;
          if (!keys || !uid) return;
          await (value.trim() ? saveDraft(keys, uid, draftKey, { text: value }) : dropDraft(uid, draftKey));
        })
        .catch((err) => console.warn('draft not kept', err));
    }, 250);
  });
  opened
    .then(async (keys) => {
      const draft = keys && uid ? await loadDraft(keys, uid, draftKey) : null;
      if (draft && typeof draft.text === 'string' && draft.text && !text.value) {
        text.value = draft.text;
        setStatus(form, t('draftRestored'));
      }
    })
    .catch((err) => console.warn('draft not read', err));
  const forgetDraft = async () => {
    if (draftTimer) clearTimeout(draftTimer);
    draftTimer = null;
    await draftWrite;
    if (uid) await dropDraft(uid, draftKey);
  };
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
      await forgetDraft();
      leaveNotice('saved', window.location.pathname);
      go(window.location.pathname);
    } catch (err) {
      if (err?.status === 409) state = { id: crypto.randomUUID(), dek: newDek() };
      setStatus(form, err?.name === 'PinError' ? t('checkinKeyChanged') : errorMessage(err), 'error');
      submit.disabled = false;
    }
  });
}
