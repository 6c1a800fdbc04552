// data-js-evaluation-edit: the supervisor writes an evaluation with the supervisee in a
// session, with the shared sealed editor (sealed-editor.js: drafts, the outbox, save states,
// conflicts), kind "evaluation" of the process (data-pid). Per goal (fieldset[data-goal]):
// the scale at the start and now, what helped, what next; a summary. A new evaluation is
// sealed for every active member (data-members) through the process; its date is the
// earliest of the cadence without one (PUT /items/{id}). The scale fields of a new one
// start from the earliest and latest check-ins the writer can open (data-start-sealed,
// data-now-sealed), opened here.
import { evaluationEnvelopes, evaluationPayload, goalPart, isBlankEvaluation, mergeEvaluations, scaleValue } from '../../evaluations.js';
import { t } from '../../i18n.js';
import { bundleFor } from '../../pins.js';
import { openSealed } from '../../sealed-items.js';
import { sealedEditor } from '../../sealed-editor.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, fieldError } from '../../ui.js';

/** @param {HTMLElement} root */
export default async function evaluationEdit(root) {
  const form = /** @type {HTMLFormElement | null} */ (root.querySelector('[data-evaluation-form]'));
  if (!form) return;
  const summary = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('summary'));
  const goals = /** @type {HTMLFieldSetElement[]} */ ([...form.querySelectorAll('fieldset[data-goal]')]);
  const field = (set, name) => /** @type {HTMLInputElement | HTMLTextAreaElement} */ (set.querySelector(`[name="${name}"]`));
  const { pid = '' } = root.dataset;
  /** @type {string[]} */
  let members = [];
  try {
    members = JSON.parse(root.dataset.members || '[]');
  } catch {
    members = [];
  }
  const read = () => {
    /** @type {Record<string, any>} */
    const parts = {};
    for (const set of goals) {
      parts[set.dataset.goal || ''] = goalPart({
        start: field(set, 'start').value,
        now: field(set, 'now').value,
        helped: field(set, 'helped').value,
        next: field(set, 'next').value,
      });
    }
    return { goals: parts, summary: summary.value };
  };
  const fill = (payload) => {
    const clean = evaluationPayload(payload);
    for (const set of goals) {
      const part = clean.goals[set.dataset.goal || ''] || goalPart(null);
      field(set, 'start').value = part.start === null ? '' : String(part.start);
      field(set, 'now').value = part.now === null ? '' : String(part.now);
      field(set, 'helped').value = part.helped;
      field(set, 'next').value = part.next;
    }
    summary.value = clean.summary;
  };
  // A scale value outside 0–10 (or not whole) is refused with its field marked, never
  // dropped silently (goalPart keeps only valid ones). Every such field is marked, each
  // with the message next to it; the first one gets the focus.
  const check = () => {
    clearErrors(form);
    const message = t('numberRange').replace('{low}', '0').replace('{high}', '10');
    const wrong = goals.flatMap((set) => ['start', 'now'].map((name) => /** @type {HTMLInputElement} */ (field(set, name))))
      .filter((input) => input.value.trim() !== '' && scaleValue(input.value) === null);
    if (!wrong.length) return null;
    for (const input of wrong.reverse()) fieldError(input, message); // the first is focused last
    return message;
  };
  const editor = await sealedEditor(root, {
    form,
    read,
    fill,
    check,
    field: summary,
    isEmpty: isBlankEvaluation,
    merge: mergeEvaluations,
    stayOffline: true, // the evaluation's page is not kept offline: say "saved on this device"
    summary: (payload) => ({ title: '', body: evaluationPayload(payload).summary }),
    item: async ({ id, rev, dek, owner }) =>
      rev === 1 ? { process: pid, envelopes: await evaluationEnvelopes({ id, dek, owner, members, uid: currentUid(), bundleFor }) } : { process: pid },
  });
  if (!editor) return;
  if (!root.dataset.sealed) await prefill(goals, field);
  root.dataset.editor = 'ready';
}

/** Fill each empty scale field of a new evaluation from the check-ins the writer can open. */
async function prefill(goals, field) {
  const keys = await requireKeys();
  if (!keys) return;
  for (const set of goals) {
    let filled = false;
    for (const [name, attr] of [['start', 'startSealed'], ['now', 'nowSealed']]) {
      const input = field(set, name);
      const sealed = set.dataset[attr];
      if (!sealed || input.value !== '') continue;
      try {
        const { payload } = await openSealed(JSON.parse(sealed), keys);
        const value = goalPart({ start: /** @type {any} */ (payload)?.value }).start;
        if (value !== null) {
          input.value = String(value);
          filled = true;
        }
      } catch {
        // a check-in that does not open is left out: the field stays empty
      }
    }
    const note = /** @type {HTMLElement | null} */ (set.querySelector('[data-prefill-note]'));
    if (note && filled) note.hidden = false;
  }
}
