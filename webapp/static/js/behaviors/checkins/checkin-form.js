// data-js-checkin-form: a supervisee records a 0–10 check-in on a goal (data-goal) of the
// process (data-pid), with an optional note. Sealed here ({value, note}); while the goal's
// check-ins are shared (data-shared) it carries an envelope for the supervisor
// (data-supervisor) through the process. The write goes through the outbox, as an entry's
// does: offline it is kept on this device and sent when the connection is back. What is
// chosen and typed before it is recorded is kept as a sealed draft (drafts.js formDraft).
import { checkinPayload, processItemBody } from '../../checkins.js';
import { newDek } from '../../crypto/envelope.js';
import { formDraft } from '../../drafts.js';
import { t } from '../../i18n.js';
import { leaveNotice } from '../../notices.js';
import * as outbox from '../../outbox.js';
import { bundleFor } from '../../pins.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, errorMessage, fieldError, go, setStatus } from '../../ui.js';

export default function checkinForm(root) {
  const form = /** @type {HTMLFormElement} */ (root.querySelector('[data-checkin-form]'));
  const note = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('note'));
  const first = /** @type {HTMLInputElement} */ (form.querySelector('input[name=value]'));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  const { pid, goal, supervisor } = /** @type {{pid: string, goal: string, supervisor: string}} */ (root.dataset);
  // One id and DEK per check-in being written: a retry of the same write sends the same item.
  let state = { id: crypto.randomUUID(), dek: newDek() };
  const chosen = () => /** @type {HTMLInputElement|null} */ (form.querySelector('input[name=value]:checked'));
  const draft = formDraft(form, {
    key: `checkin:${goal}`,
    uid: currentUid(),
    read: () => ({ value: chosen()?.value ?? null, note: note.value }),
    fill: (kept) => {
      const radio = /** @type {HTMLInputElement|null} */ (form.querySelector(`input[name=value][value="${Number(kept.value)}"]`));
      if (radio && kept.value !== null) radio.checked = true;
      if (typeof kept.note === 'string') note.value = kept.note;
    },
    blank: (value) => (value?.value ?? null) === null && !(typeof value?.note === 'string' && value.note.trim()),
    restored: () => setStatus(form, t('draftRestored')),
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const checked = chosen();
    if (!checked) {
      fieldError(first, t('checkinValueMissing'));
      return;
    }
    const keys = await requireKeys();
    if (!keys) return;
    const uid = /** @type {string} */ (currentUid());
    submit.disabled = true;
    setStatus(form, t('saving'), 'busy');
    try {
      const shared = 'shared' in root.dataset;
      const body = await processItemBody({
        id: state.id, kind: 'checkin', rev: 1, payload: checkinPayload(Number(checked.value), note.value), dek: state.dek,
        pid, links: { goal }, uid, keys, readers: shared ? [supervisor] : [], bundleFor,
      });
      const now = new Date().toISOString();
      await outbox.queuePut(uid, state.id, body, {
        id: state.id, kind: 'checkin', author: uid, rev: 1, sealed: body.sealed, sig: body.sig, envelope: body.envelopes[0],
        process: pid, links: { goal }, created_at: now, updated_at: now,
      });
      const result = await outbox.sync(uid);
      const left = (await outbox.pending(uid)).filter((op) => op.id === state.id);
      if (!left.length) {
        state = { id: crypto.randomUUID(), dek: newDek() };
        await draft.forget();
        leaveNotice('saved', window.location.pathname);
        go(window.location.pathname);
        return;
      }
      if (left.some((op) => op.error || op.conflict)) {
        setStatus(form, t('saveFailed'), 'error');
        submit.disabled = false;
        return;
      }
      // Kept in the outbox: sent when the connection is back (or after signing in).
      state = { id: crypto.randomUUID(), dek: newDek() };
      form.reset();
      await draft.forget(); // what was written waits in the outbox now
      setStatus(form, result.loginRequired ? t('signInToSend') : t('savedLocally'), 'ok');
      submit.disabled = false;
    } catch (err) {
      setStatus(form, err?.name === 'PinError' ? t('checkinKeyChanged') : errorMessage(err), 'error');
      submit.disabled = false;
    }
  });
}
