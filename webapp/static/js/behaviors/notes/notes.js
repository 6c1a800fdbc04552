// data-js-notes: the supervisor's private notes of a process, opened in place (textContent
// only), each with Edit (in place: text and session; the next revision sealed with the same
// key) and Delete (after a confirmation). The page is rendered again after a change, so the
// grouping by session stays the server's.
import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { leaveNotice } from '../../notices.js';
import { noteText, putNote } from '../../notes.js';
import { openSealed } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, confirmThen, errorMessage, fieldError, go, setStatus } from '../../ui.js';

export default async function notes(root) {
  const pid = /** @type {string} */ (root.dataset.pid);
  const cards = /** @type {HTMLElement[]} */ ([...root.querySelectorAll('[data-note]')]);
  const template = /** @type {HTMLTemplateElement|null} */ (root.querySelector('[data-edit-template]'));
  const dialog = /** @type {HTMLDialogElement|null} */ (root.querySelector('[data-delete-dialog]'));
  if (!cards.length) return;
  const keys = await requireKeys();
  if (!keys) return;
  const uid = /** @type {string} */ (currentUid());
  /** @type {Map<HTMLElement, {item: any, dek: Uint8Array, text: string}>} */
  const opened = new Map();
  await Promise.all(
    cards.map(async (card) => {
      const body = /** @type {HTMLElement} */ (card.querySelector('[data-note-body]'));
      try {
        const item = JSON.parse(card.dataset.sealed || '');
        const { payload, dek } = await openSealed(item, keys, uid);
        const text = noteText(payload);
        body.textContent = text;
        card.dataset.state = 'open';
        opened.set(card, { item, dek, text });
      } catch (err) {
        body.textContent = err?.code === 'bad_signature' || err?.code === 'header_mismatch' ? t('badSignature') : t('decryptFailed');
        card.dataset.state = 'error';
      }
      body.removeAttribute('aria-busy');
    }),
  );
  const reload = (notice) => {
    leaveNotice(notice, window.location.pathname);
    go(window.location.pathname);
  };

  root.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const card = /** @type {HTMLElement|null} */ (target.closest('[data-note]'));
    const note = card && opened.get(card);
    if (!card || !note) return;
    if (target.closest('[data-edit]')) edit(card, note);
    else if (target.closest('[data-delete]')) confirmDelete(note.item.id);
  });

  /** Close the note being edited, if any (one edit form at a time: its fields have ids). */
  function closeEdit() {
    const open = root.querySelector('[data-edit-form]');
    if (!open) return;
    const actions = /** @type {HTMLElement|null} */ (open.closest('[data-note]')?.querySelector('.actions') ?? null);
    open.remove();
    if (actions) actions.hidden = false;
  }

  /** Edit one note in place. */
  function edit(card, note) {
    if (!template || card.querySelector('[data-edit-form]')) return;
    closeEdit();
    const form = /** @type {HTMLFormElement} */ (/** @type {Element} */ (template.content.firstElementChild).cloneNode(true));
    const text = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('body'));
    const session = /** @type {HTMLSelectElement} */ (form.elements.namedItem('session'));
    text.value = note.text;
    session.value = card.dataset.session || '';
    const actions = /** @type {HTMLElement} */ (card.querySelector('.actions'));
    actions.hidden = true;
    card.append(form);
    text.focus();
    const state = { id: note.item.id, rev: note.item.rev + 1, dek: note.dek };
    form.querySelector('[data-cancel]')?.addEventListener('click', () => {
      closeEdit();
      /** @type {HTMLElement} */ (actions.querySelector('[data-edit]')).focus();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(form);
      const value = text.value.trim();
      if (!value) {
        fieldError(text, t('noteMissing'));
        return;
      }
      const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
      submit.disabled = true;
      setStatus(form, t('saving'), 'busy');
      try {
        await putNote(state, { text: value, session: session.value || null, pid, uid, keys });
        reload('saved');
      } catch (err) {
        setStatus(form, err?.status === 409 ? t('noteChanged') : errorMessage(err), 'error');
        submit.disabled = false;
      }
    });
  }

  /** Ask, then delete a note for good. */
  function confirmDelete(id) {
    confirmThen(dialog, t('deletingNote'), () => api('DELETE', `/items/${id}`), () => reload('deleted'));
  }
}
