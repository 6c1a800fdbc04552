// data-js-process-name: a process's name (a sealed item of kind "title") opened in place,
// with textContent only. The names of one page are opened in one batch: the keys are read
// once. Nothing is kept in the journal's offline mirror.
import { t } from '../../i18n.js';
import { showName } from '../../process-forms.js';
import { openedWithKeys } from '../../batch.js';
import { openSealed } from '../../sealed-items.js';

export default openedWithKeys(open);

async function open(el, keys) {
  try {
    const { payload } = await openSealed(JSON.parse(el.dataset.sealed || ''), keys);
    showName(el, payload?.title);
  } catch (err) {
    el.textContent = err?.code === 'bad_signature' || err?.code === 'header_mismatch' ? t('badSignature') : t('decryptFailed');
    el.dataset.state = 'error';
  }
  el.removeAttribute('aria-busy');
}
