// data-js-process-invites: the supervisor makes a single-use invite and passes its link on.
// The link is `/join/{token}#fp={fp16}`: the token comes only in the POST's answer (shown
// once, never stored here), the fragment is the fingerprint of the supervisor's own bundle
// (crypto/safety.js fp16), which the invitee's client checks the server's bundle against.
// The link is shared by copying (Clipboard API, else the selected text and execCommand),
// the Web Share API where there is one, a QR code drawn on the screen (qr.js, loaded on
// demand) and email through the server (the server sees the whole link then: the page says
// that copying, the QR code or reading it out in person keep the server out of the check).
import { api } from '../../api.js';
import { verifyBundle } from '../../crypto/identity.js';
import { fp16 } from '../../crypto/safety.js';
import { t } from '../../i18n.js';
import * as keystore from '../../keystore.js';
import { showApiError } from '../../process-forms.js';
import { currentUid, requireKeys } from '../../session.js';
import { clearErrors, copyText, errorMessage, fieldError, setStatus } from '../../ui.js';
import { timeZone } from '../../zone.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The invite link for `token` with the fingerprint of `bundle`. */
export async function inviteLink(joinUrl, token, bundle) {
  return `${joinUrl}${encodeURIComponent(token)}#fp=${await fp16(bundle)}`;
}

/** This account's own bundle, checked against its uid (never the server's word alone). */
async function ownBundle(uid) {
  const stored = await keystore.account();
  const bundle = stored?.uid === uid ? stored.keys?.bundle : null;
  if (!(await verifyBundle(bundle, uid))) throw new Error('own bundle missing');
  return bundle;
}

export default function processInvites(root) {
  const pid = root.dataset.pid;
  const form = /** @type {HTMLFormElement|null} */ (root.querySelector('[data-invite-form]'));
  const panel = /** @type {HTMLElement|null} */ (root.querySelector('[data-invite-panel]'));
  const list = /** @type {HTMLElement} */ (root.querySelector('[data-invite-list]'));
  /** @type {{id: string, link: string} | null} */
  let current = null;

  list.addEventListener('click', async (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('[data-revoke]');
    if (!(button instanceof HTMLButtonElement)) return;
    button.disabled = true;
    try {
      await api('DELETE', `/processes/${pid}/invites/${button.dataset.revoke}`);
      const row = button.closest('li');
      const state = row?.querySelector('[data-state]');
      if (state) state.textContent = root.querySelector('[data-revoked-text]')?.textContent || '';
      if (current?.id === button.dataset.revoke && panel) panel.hidden = true;
      button.remove();
    } catch (err) {
      button.disabled = false;
      const status = form || root;
      setStatus(status, errorMessage(err), 'error');
    }
  });
  if (!form || !panel) return;

  const linkInput = /** @type {HTMLInputElement} */ (panel.querySelector('[data-invite-link]'));
  const copyStatus = /** @type {HTMLElement} */ (panel.querySelector('[data-copy-status]'));
  const share = /** @type {HTMLButtonElement} */ (panel.querySelector('[data-share]'));
  const qr = /** @type {HTMLElement} */ (panel.querySelector('[data-qr]'));
  const email = /** @type {HTMLFormElement} */ (panel.querySelector('[data-email-form]'));
  share.hidden = typeof navigator.share !== 'function';
  const say = (text, state = 'ok') => {
    copyStatus.textContent = text;
    copyStatus.dataset.state = state;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const daysInput = /** @type {HTMLInputElement} */ (form.querySelector('#invite-days'));
    const days = Number(daysInput.value);
    if (!Number.isInteger(days) || days < 1 || days > Number(daysInput.max)) {
      fieldError(daysInput, t('badInput'));
      return;
    }
    if (!(await requireKeys())) return;
    const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
    submit.disabled = true;
    setStatus(form, t('saving'), 'busy');
    try {
      const bundle = await ownBundle(/** @type {string} */ (currentUid()));
      const expires = new Date(Date.now() + days * DAY_MS).toISOString();
      const invite = await api('POST', `/processes/${pid}/invites`, { expires_at: expires });
      current = { id: invite.id, link: await inviteLink(root.dataset.joinUrl, invite.token, bundle) };
      linkInput.value = current.link;
      qr.hidden = true;
      panel.querySelector('[data-show-qr]')?.setAttribute('aria-expanded', 'false');
      say('');
      setStatus(email, '');
      panel.hidden = false;
      panel.focus();
      addRow(invite);
      setStatus(form, '');
    } catch (err) {
      showApiError(form, err);
    } finally {
      submit.disabled = false;
    }
  });

  function addRow(invite) {
    const template = /** @type {HTMLTemplateElement} */ (root.querySelector('template[data-invite-row]'));
    const row = /** @type {HTMLElement} */ (template.content.firstElementChild?.cloneNode(true));
    row.dataset.invite = invite.id;
    const when = new Date(invite.expires_at).toLocaleString(document.documentElement.lang || undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone: timeZone() });
    const pattern = root.querySelector('[data-expires-text]')?.textContent || 'WHEN';
    /** @type {HTMLElement} */ (row.querySelector('[data-expires]')).textContent = pattern.replace('WHEN', when);
    /** @type {HTMLElement} */ (row.querySelector('[data-revoke]')).dataset.revoke = invite.id;
    list.querySelector('[data-none]')?.remove();
    list.prepend(row);
  }

  panel.querySelector('[data-copy]')?.addEventListener('click', async () => {
    say((await copyText(linkInput)) ? t('linkCopied') : t('copyFailed'), 'ok');
  });
  share.addEventListener('click', async () => {
    if (!current) return;
    try {
      await navigator.share({ title: t('inviteShareTitle'), url: current.link });
    } catch {
      /* the person closed the share sheet */
    }
  });
  // The QR button shows and hides the code (aria-expanded says which).
  const qrButton = /** @type {HTMLButtonElement | null} */ (panel.querySelector('[data-show-qr]'));
  qrButton?.addEventListener('click', async () => {
    if (!current) return;
    if (!qr.hidden) {
      qr.hidden = true;
      qrButton.setAttribute('aria-expanded', 'false');
      return;
    }
    const { renderQr } = await import('../../qr.js');
    renderQr(/** @type {HTMLElement} */ (qr.querySelector('[data-qr-code]')), current.link, t('inviteQrLabel'));
    qr.hidden = false;
    qrButton.setAttribute('aria-expanded', 'true');
  });
  email.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(email);
    const address = /** @type {HTMLInputElement} */ (email.querySelector('#invite-email'));
    const language = /** @type {HTMLSelectElement} */ (email.querySelector('#invite-language')).value;
    if (!address.value.trim() || !address.checkValidity()) {
      fieldError(address, t('badEmail'));
      return;
    }
    if (!current) return;
    const button = /** @type {HTMLButtonElement} */ (email.querySelector('[type=submit]'));
    button.disabled = true;
    setStatus(email, t('saving'), 'busy');
    try {
      /** @type {Record<string, string>} */
      const body = { email: address.value.trim(), link: current.link };
      if (language) body.language = language;
      await api('POST', `/processes/${pid}/invites/${current.id}/email`, body);
      setStatus(email, t('inviteEmailSent'), 'ok');
    } catch (err) {
      if (err?.status === 503) setStatus(email, t('mailUnavailable'), 'error');
      else if (err?.status === 400 && err.code === 'bad_email') fieldError(address, t('badEmail'));
      else setStatus(email, errorMessage(err), 'error');
    } finally {
      button.disabled = false;
    }
  });
}
