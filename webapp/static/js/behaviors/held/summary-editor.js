// data-js-summary-editor: the supervisor writes the shared summary of a held session
// (data-session) of the process (data-pid) with the shared sealed editor (sealed-editor.js:
// drafts, the outbox, save states, conflicts), kind "summary". Each save seals it for every
// active member (data-members, space-separated ids) through the process.
import { bundleFor } from '../../pins.js';
import { sealedEditor } from '../../sealed-editor.js';
import { summaryEnvelopes, summaryText } from '../../summaries.js';

/** @param {HTMLElement} root */
export default async function summaryEditor(root) {
  const form = /** @type {HTMLFormElement | null} */ (root.querySelector('[data-summary-form]'));
  if (!form) return;
  const text = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('body'));
  const { pid, session } = /** @type {{pid: string, session: string}} */ (root.dataset);
  const members = (root.dataset.members || '').split(' ').filter(Boolean);
  const editor = await sealedEditor(root, {
    form,
    read: () => ({ body: text.value }),
    fill: (payload) => {
      text.value = summaryText(payload);
    },
    field: text,
    stayOffline: true, // this page is not kept offline: say "saved on this device"
    summary: (payload) => ({ title: '', body: summaryText(payload) }),
    item: async ({ id, dek, owner }) => ({
      process: pid,
      links: { session },
      envelopes: (await summaryEnvelopes({ id, dek, owner, members, bundleFor })).envelopes,
    }),
  });
  if (editor) root.dataset.editor = 'ready'; // the form saves from now on
}
