// data-js-evaluation-accept: a member accepts the evaluation's current rev, the one opened
// above the button (accept-form.js: signed per PROTOCOL §6).
import { acceptForm } from '../../accept-form.js';

/** @param {HTMLFormElement} form */
export default function evaluationAccept(form) {
  acceptForm(form, {
    view: () => form.closest('.evaluation')?.querySelector('[data-js-evaluation-view]') ?? null,
    notOpened: 'evaluationNotOpened',
    changed: 'evaluationChanged',
    changedCodes: ['stale_rev'],
  });
}
