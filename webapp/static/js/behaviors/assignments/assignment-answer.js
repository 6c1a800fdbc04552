// data-js-assignment-answer: an answer a supervisee shared with the supervisor (a sealed item
// of kind "response"), opened in place on the assignment's page with textContent only.
import { answerText } from '../../assignments.js';
import { openedWithKeys } from '../../batch.js';
import { t } from '../../i18n.js';
import { openSealed } from '../../sealed-items.js';

export default openedWithKeys(open);

async function open(el, keys) {
  try {
    const { payload } = await openSealed(JSON.parse(el.dataset.sealed || ''), keys);
    el.textContent = answerText(payload);
    el.dataset.state = 'open';
  } catch (err) {
    el.textContent = err?.code === 'bad_signature' || err?.code === 'header_mismatch' ? t('badSignature') : t('decryptFailed');
    el.dataset.state = 'error';
  }
  el.removeAttribute('aria-busy');
}
