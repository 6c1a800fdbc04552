// data-js-contract-accept: the member accepts the contract's current revision, the one opened
// next to the button (accept-form.js: signed per PROTOCOL §6).
import { acceptForm } from '../../accept-form.js';

/** @param {HTMLFormElement} form */
export default function contractAccept(form) {
  acceptForm(form, {
    view: () => form.closest('.contract')?.querySelector('[data-js-contract-revision]') ?? null,
    notOpened: 'acceptNotOpened',
    changed: 'contractChanged',
    changedCodes: ['stale_rev', 'not_newest_revision'],
  });
}
