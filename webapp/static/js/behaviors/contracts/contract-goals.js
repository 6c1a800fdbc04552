// data-js-contract-goals: the goals of a process, each a sealed item of kind "goal" opened in
// place (textContent). For the supervisor: add a goal (sealed for every member through the
// process), edit its words (the next rev, same key), move it up or down, mark it achieved or
// dropped, or reopen it. The order and the status are plaintext on the server; the words are
// not.
import { ApiError, api } from '../../api.js';
import { memberItemBody } from '../../contract.js';
import { newDek } from '../../crypto/envelope.js';
import { t } from '../../i18n.js';
import { bundleFor } from '../../pins.js';
import { openSealed } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, errorMessage, fieldError, setStatus } from '../../ui.js';

/** The goal's words from its payload (untrusted JSON). */
export function goalText(payload) {
  const text = payload?.text;
  return typeof text === 'string' && text.trim() ? text : t('untitledGoal');
}

export default async function contractGoals(root) {
  const keys = await requireKeys();
  if (!keys) return;
  /** @type {Map<string, {item: any, dek: Uint8Array, text: string}>} */
  const opened = new Map();
  const rows = /** @type {HTMLElement[]} */ ([...root.querySelectorAll('[data-goal][data-sealed]')]);
  await Promise.all(
    rows.map(async (row) => {
      const textEl = /** @type {HTMLElement} */ (row.querySelector('[data-goal-text]'));
      try {
        const item = JSON.parse(row.dataset.sealed || '');
        const { payload, dek } = await openSealed(item, keys);
        const text = goalText(payload);
        opened.set(item.id, { item, dek, text });
        textEl.textContent = text;
      } catch (err) {
        const code = /** @type {any} */ (err)?.code;
        textEl.textContent = code === 'bad_signature' || code === 'header_mismatch' ? t('contractBadSignature') : t('decryptFailed');
        textEl.dataset.state = 'error';
      }
      textEl.removeAttribute('aria-busy');
    }),
  );
  if ('editable' in root.dataset) edit(root, keys, opened);
}

function edit(root, keys, opened) {
  const pid = /** @type {string} */ (root.dataset.pid);
  const uid = /** @type {string} */ (currentUid());
  const form = /** @type {HTMLFormElement} */ (root.querySelector('[data-goal-form]'));
  const input = /** @type {HTMLTextAreaElement} */ (form.querySelector('textarea'));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  const cancel = /** @type {HTMLButtonElement} */ (form.querySelector('[data-goal-cancel]'));
  const label = /** @type {HTMLElement} */ (form.querySelector('label'));
  const labels = { add: label.textContent || '', edit: t('editGoal') };
  /** @type {string | null} */
  let editing = null;

  const reset = () => {
    editing = null;
    input.value = '';
    label.textContent = labels.add;
    submit.textContent = submit.dataset.addText || submit.textContent;
    cancel.hidden = true;
  };
  const run = async (work) => {
    setStatus(form, t('saving'), 'busy');
    try {
      await work();
      window.location.reload();
    } catch (err) {
      const code = err instanceof ApiError ? err.body?.error?.code : '';
      setStatus(form, code === 'conflict' ? t('contractChanged') : errorMessage(err), 'error');
    }
  };

  root.addEventListener('click', (event) => {
    const button = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (event.target).closest('button'));
    const row = /** @type {HTMLElement | null} */ (button?.closest('[data-goal]'));
    if (!button || !row) return;
    const id = /** @type {string} */ (row.dataset.goal);
    if (button.hasAttribute('data-goal-edit') && opened.has(id)) {
      editing = id;
      input.value = opened.get(id).text;
      label.textContent = labels.edit;
      submit.textContent = submit.dataset.saveText || submit.textContent;
      cancel.hidden = false;
      input.focus();
    } else if (button.dataset.goalMove) {
      const order = [...root.querySelectorAll('[data-goal]')].map((el) => /** @type {HTMLElement} */ (el).dataset.goal);
      const at = order.indexOf(id);
      const to = at + Number(button.dataset.goalMove);
      if (to < 0 || to >= order.length) return;
      [order[at], order[to]] = [order[to], order[at]];
      run(() => api('PUT', `/processes/${pid}/goals/order`, { items: order }));
    } else if (button.dataset.goalStatus) {
      run(() => api('PATCH', `/processes/${pid}/goals/${id}`, { status: button.dataset.goalStatus }));
    }
  });
  cancel.addEventListener('click', reset);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(form);
    const text = input.value.trim();
    if (!text) {
      fieldError(input, t('goalMissing'));
      return;
    }
    const goal = editing ? opened.get(editing) : null;
    const target = goal ? { id: goal.item.id, rev: goal.item.rev + 1, dek: goal.dek } : { id: crypto.randomUUID(), rev: 1, dek: newDek() };
    const members = JSON.parse(root.dataset.members || '[]');
    submit.disabled = true;
    run(async () => {
      const { body } = await memberItemBody({ ...target, kind: 'goal', payload: { text }, pid, members, uid, keys, bundleFor });
      await api('PUT', `/items/${target.id}`, body);
    }).finally(() => {
      submit.disabled = false;
    });
  });
}
