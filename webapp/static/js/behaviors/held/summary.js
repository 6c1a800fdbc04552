// data-js-summary: a held session's shared summary (a sealed item of kind "summary"),
// opened in place with textContent only.
import { openedWithKeys } from '../../batch.js';
import { t } from '../../i18n.js';
import { openSealed } from '../../sealed-items.js';
import { summaryText } from '../../summaries.js';

export default openedWithKeys(open);

/**
 * @param {HTMLElement} el
 * @param {any} keys
 */
async function open(el, keys) {
  try {
    const { payload } = await openSealed(JSON.parse(el.dataset.sealed || ''), keys);
    el.textContent = summaryText(payload);
    el.dataset.state = 'open';
  } catch (err) {
    el.textContent = err?.code === 'bad_signature' || err?.code === 'header_mismatch' ? t('badSignature') : t('decryptFailed');
    el.dataset.state = 'error';
  }
  el.removeAttribute('aria-busy');
}
