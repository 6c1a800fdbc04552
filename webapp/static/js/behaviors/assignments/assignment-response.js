// data-js-assignment-response: the assignee answers the assignment (data-parent) of the
// process (data-pid) with the shared sealed editor (sealed-editor.js: drafts, the outbox —
// offline too —, save states and conflicts), kind "response". Each save states its readers
// in full: the author, and only when "me and my supervisor" is chosen, the supervisor
// (data-supervisor) through the process; the server remembers the choice as the next default.
import { answerText, responseEnvelopes } from '../../assignments.js';
import { bundleFor } from '../../pins.js';
import { sealedEditor } from '../../sealed-editor.js';

/** @param {HTMLElement} root */
export default async function assignmentResponse(root) {
  const form = /** @type {HTMLFormElement | null} */ (root.querySelector('[data-response-form]'));
  if (!form) return;
  const text = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('body'));
  const { parent, pid, supervisor } = /** @type {{parent: string, pid: string, supervisor: string}} */ (root.dataset);
  const shared = () => /** @type {HTMLInputElement | null} */ (form.querySelector('input[name=share]:checked'))?.value === 'yes';
  const editor = await sealedEditor(root, {
    form,
    read: () => ({ body: text.value }),
    fill: (payload) => {
      text.value = answerText(payload);
    },
    field: text,
    stayOffline: true, // the assignment's page is not kept offline: say "saved on this device"
    summary: (payload) => ({ title: '', body: answerText(payload) }),
    item: async ({ id, dek, owner }) => ({
      process: pid,
      links: { parent },
      envelopes: await responseEnvelopes({ id, dek, owner, supervisor, share: shared(), bundleFor }),
    }),
  });
  if (!editor) return;
  // Fetch (and check against the pin) the supervisor's key now: the device keeps it, so an
  // answer shared with no network later is still sealed for her and waits in the outbox.
  await bundleFor(supervisor).catch(() => {});
  root.dataset.editor = 'ready'; // the form saves from now on
}
