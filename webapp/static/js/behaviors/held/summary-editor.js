// data-js-summary-editor: the supervisor writes the shared summary of a held session
// (data-session) of the process (data-pid) with the shared sealed editor (sealed-editor.js:
// drafts, the outbox, save states, conflicts), kind "summary". Each save seals it for every
// active member (data-members, space-separated ids) through the process. The members' keys
// are fetched (and checked against the pins) as the page opens, so that a summary written
// after the network went away is sealed for them too and waits in the outbox.
import { bundleFor } from '../../pins.js';
import { sealedEditor } from '../../sealed-editor.js';
import { memberBundles, summaryEnvelopes, summaryText } from '../../summaries.js';

/** @param {HTMLElement} root */
export default async function summaryEditor(root) {
  const form = /** @type {HTMLFormElement | null} */ (root.querySelector('[data-summary-form]'));
  if (!form) return;
  const text = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('body'));
  const { pid, session } = /** @type {{pid: string, session: string}} */ (root.dataset);
  const members = (root.dataset.members || '').split(' ').filter(Boolean);
  const readers = await memberBundles(members, bundleFor);
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
      envelopes: (await summaryEnvelopes({ id, dek, owner, members, bundleFor: readers })).envelopes,
    }),
  });
  if (editor) root.dataset.editor = 'ready'; // the form saves from now on
}
