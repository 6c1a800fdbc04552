// data-js-assignment-response: the assignee answers the assignment (data-parent) of the
// process (data-pid). The answer is sealed here (kind "response"); its readers are the
// author and, only when "me and my supervisor" is chosen, the supervisor (data-supervisor),
// through the process. The write goes through the outbox as an entry's does: offline it is
// kept on this device and sent when the connection is back. An existing answer (data-sealed)
// opens into the form and is edited with its own key.
import { answerText, responseBody } from '../../assignments.js';
import { newDek } from '../../crypto/envelope.js';
import { t } from '../../i18n.js';
import { leaveNotice } from '../../notices.js';
import * as outbox from '../../outbox.js';
import { bundleFor } from '../../pins.js';
import { openSealed } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, errorMessage, fieldError, go, setStatus } from '../../ui.js';

export default async function assignmentResponse(root) {
  const form = /** @type {HTMLFormElement | null} */ (root.querySelector('[data-response-form]'));
  if (!form) return;
  const text = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('body'));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  const { parent, pid, supervisor } = /** @type {{parent: string, pid: string, supervisor: string}} */ (root.dataset);
  const keys = await requireKeys();
  if (!keys) return;
  const uid = /** @type {string} */ (currentUid());
  /** @type {{id: string, dek: Uint8Array, serverRev: number, owner: Record<string, string> | null}} */
  let state = { id: crypto.randomUUID(), dek: newDek(), serverRev: 0, owner: null };
  if (root.dataset.sealed) {
    const item = JSON.parse(root.dataset.sealed);
    try {
      const { payload, dek } = await openSealed(item, keys, uid);
      text.value = answerText(payload);
      state = { id: item.id, dek, serverRev: item.rev, owner: item.envelope };
    } catch {
      setStatus(form, t('decryptFailed'), 'error');
      return;
    }
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!text.value.trim()) {
      fieldError(text, t('answerMissing'));
      return;
    }
    const share = /** @type {HTMLInputElement | null} */ (form.querySelector('input[name=share]:checked'))?.value === 'yes';
    submit.disabled = true;
    setStatus(form, t('saving'), 'busy');
    try {
      const rev = await outbox.nextRev(uid, state.id, state.serverRev);
      const body = await responseBody({
        id: state.id, rev, dek: state.dek, text: text.value, assignment: parent, pid, supervisor, share, uid, keys,
        owner: state.owner, bundleFor,
      });
      const now = new Date().toISOString();
      await outbox.queuePut(uid, state.id, body, {
        id: state.id, kind: 'response', author: uid, rev, sealed: body.sealed, sig: body.sig, envelope: body.envelopes[0],
        process: pid, links: body.links, created_at: now, updated_at: now,
      });
      const result = await outbox.sync(uid);
      const left = (await outbox.pending(uid)).filter((op) => op.id === state.id);
      if (!left.length) {
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
      setStatus(form, result.loginRequired ? t('signInToSend') : t('savedLocally'), 'ok');
      submit.disabled = false;
    } catch (err) {
      setStatus(form, err?.name === 'PinError' ? t('assignmentKeyChanged') : errorMessage(err), 'error');
      submit.disabled = false;
    }
  });
}
