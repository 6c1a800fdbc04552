// data-js-compose: write or edit a sealed reflection (title, body, tags). The sealed editor
// (sealed-editor.js) does the rest: drafts, sealing, the outbox, save states and conflicts.
import { sealedEditor } from '../../sealed-editor.js';
import { uniqueTags } from '../../tags.js';

/** @param {HTMLFormElement} form */
const field = (form, name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name));

/** @param {HTMLFormElement} form */
function readForm(form) {
  const tags = uniqueTags(field(form, 'tags').value.split(','));
  return { title: field(form, 'title').value.trim(), body: field(form, 'body').value, tags };
}

/** @param {HTMLFormElement} form */
function fillForm(form, payload) {
  field(form, 'title').value = typeof payload.title === 'string' ? payload.title : '';
  field(form, 'body').value = typeof payload.body === 'string' ? payload.body : '';
  field(form, 'tags').value = Array.isArray(payload.tags) ? payload.tags.join(', ') : '';
}

/** @param {HTMLElement} root */
export default async function compose(root) {
  const form = /** @type {HTMLFormElement} */ (root.querySelector('[data-compose-form]'));
  await sealedEditor(root, {
    form,
    read: () => readForm(form),
    fill: (payload) => fillForm(form, payload),
    focusAfterMerge: () => field(form, 'body').focus(),
    field: field(form, 'body'),
    // Tags alone make no reflection: a title or some text is needed.
    isEmpty: (payload) => !String(payload.title || '').trim() && !String(payload.body || '').trim(),
  });
}
