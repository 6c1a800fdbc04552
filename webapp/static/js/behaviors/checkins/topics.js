// data-js-topics: the proposed topics of a process, opened in place (textContent only). The
// author edits one in place (the next rev, sealed with the same key: the supervisor keeps
// reading it) or withdraws it (deleted for good, after a confirmation).
import { api } from '../../api.js';
import { topicText } from '../../checkins.js';
import { sealItem } from '../../crypto/envelope.js';
import { t } from '../../i18n.js';
import { leaveNotice } from '../../notices.js';
import { openSealed } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, confirmThen, errorMessage, fieldError, go, setStatus } from '../../ui.js';

export default async function topics(root) {
  const cards = /** @type {HTMLElement[]} */ ([...root.querySelectorAll('[data-topic][data-sealed]')]);
  const template = /** @type {HTMLTemplateElement|null} */ (root.querySelector('[data-edit-template]'));
  const dialog = /** @type {HTMLDialogElement|null} */ (root.querySelector('[data-withdraw-dialog]'));
  if (!cards.length) return;
  const keys = await requireKeys();
  if (!keys) return;
  const uid = /** @type {string} */ (currentUid());
  /** @type {Map<HTMLElement, {item: any, dek: Uint8Array, text: string}>} */
  const opened = new Map();
  await Promise.all(
    cards.map(async (card) => {
      const body = /** @type {HTMLElement} */ (card.querySelector('[data-topic-text]'));
      try {
        const item = JSON.parse(card.dataset.sealed || '');
        const { payload, dek } = await openSealed(item, keys, uid);
        const text = topicText(payload);
        body.textContent = text;
        card.dataset.state = 'open';
        opened.set(card, { item, dek, text });
      } catch (err) {
        const code = /** @type {any} */ (err)?.code;
        body.textContent = code === 'bad_signature' || code === 'header_mismatch' ? t('badSignature') : t('decryptFailed');
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
    const card = /** @type {HTMLElement|null} */ (target.closest('[data-topic]'));
    const topic = card && opened.get(card);
    if (!card || !topic || topic.item.author !== uid) return;
    if (target.closest('[data-edit]')) edit(card, topic);
    else if (target.closest('[data-withdraw]')) confirmWithdraw(topic.item.id);
  });

  /** Edit one topic in place (one edit form at a time: its fields have ids). */
  function edit(card, topic) {
    if (!template || root.querySelector('[data-edit-form]')) return;
    const form = /** @type {HTMLFormElement} */ (/** @type {Element} */ (template.content.firstElementChild).cloneNode(true));
    const text = /** @type {HTMLTextAreaElement} */ (form.elements.namedItem('text'));
    text.value = topic.text;
    const actions = /** @type {HTMLElement} */ (card.querySelector('.actions'));
    actions.hidden = true;
    card.append(form);
    text.focus();
    form.querySelector('[data-cancel]')?.addEventListener('click', () => {
      form.remove();
      actions.hidden = false;
      /** @type {HTMLElement} */ (actions.querySelector('[data-edit]')).focus();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(form);
      const value = text.value.trim();
      if (!value) {
        fieldError(text, t('topicMissing'));
        return;
      }
      const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
      submit.disabled = true;
      setStatus(form, t('saving'), 'busy');
      try {
        const { item, dek } = topic;
        const rev = item.rev + 1;
        const sealed = await sealItem({ id: item.id, kind: 'topic', rev, by: uid, payload: { text: value }, dek, signingKey: keys.ed25519 });
        await api('PUT', `/items/${item.id}`, { kind: 'topic', rev, sealed: sealed.sealed, sig: sealed.sig });
        reload('saved');
      } catch (err) {
        setStatus(form, err?.status === 409 ? t('topicChanged') : errorMessage(err), 'error');
        submit.disabled = false;
      }
    });
  }

  /** Ask, then withdraw (delete) a topic for good. */
  function confirmWithdraw(id) {
    confirmThen(dialog, t('saving'), () => api('DELETE', `/items/${id}`), () => reload('deleted'));
  }
}
