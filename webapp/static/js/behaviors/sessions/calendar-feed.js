// data-js-calendar-feed (the settings card): make the personal calendar feed's secret address
// (POST /me/calendar; shown once, with copy), or stop it (DELETE /me/calendar).
import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { errorMessage, setStatus } from '../../ui.js';

export default function calendarFeed(card) {
  const panel = /** @type {HTMLElement} */ (card.querySelector('[data-calendar-panel]'));
  const link = /** @type {HTMLInputElement} */ (card.querySelector('[data-calendar-link]'));
  const state = /** @type {HTMLElement} */ (card.querySelector('[data-calendar-state]'));
  const create = /** @type {HTMLButtonElement} */ (card.querySelector('[data-create]'));
  const revoke = /** @type {HTMLButtonElement} */ (card.querySelector('[data-revoke]'));
  const text = (/** @type {string} */ name) => card.querySelector(`[data-${name}-text]`)?.textContent || '';

  create.addEventListener('click', async () => {
    create.disabled = true;
    setStatus(card, t('saving'), 'busy');
    try {
      const feed = await api('POST', '/me/calendar');
      link.value = feed.url;
      panel.hidden = false;
      revoke.hidden = false;
      state.textContent = text('in-use');
      setStatus(card, t('saved'), 'ok');
      panel.focus();
      link.select();
    } catch (err) {
      setStatus(card, errorMessage(err), 'error');
    } finally {
      create.disabled = false;
    }
  });

  card.querySelector('[data-copy]')?.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(link.value);
      setStatus(card, t('linkCopied'), 'ok');
    } catch {
      link.select();
      setStatus(card, t('copyFailed'), 'error');
    }
  });

  revoke.addEventListener('click', async () => {
    revoke.disabled = true;
    setStatus(card, t('saving'), 'busy');
    try {
      await api('DELETE', '/me/calendar');
      link.value = '';
      panel.hidden = true;
      revoke.hidden = true;
      state.textContent = text('none');
      setStatus(card, t('calendarStopped'), 'ok');
    } catch (err) {
      setStatus(card, errorMessage(err), 'error');
    } finally {
      revoke.disabled = false;
    }
  });
}
