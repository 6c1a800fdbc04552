// data-js-assignment-title: an assignment's title (a sealed item of kind "assignment")
// opened in place on the home and the process's assignment list, with textContent only.
// The titles of one page are opened in one batch (the keys are read once).
import { assignmentWords } from '../../assignments.js';
import { openedWithKeys } from '../../batch.js';
import { t } from '../../i18n.js';
import { openSealed } from '../../sealed-items.js';

export default openedWithKeys(open);

async function open(el, keys) {
  try {
    const { payload } = await openSealed(JSON.parse(el.dataset.sealed || ''), keys);
    el.textContent = assignmentWords(payload).title || t('untitledAssignment');
    el.dataset.state = 'open';
  } catch (err) {
    el.textContent = err?.code === 'bad_signature' || err?.code === 'header_mismatch' ? t('badSignature') : t('decryptFailed');
    el.dataset.state = 'error';
  }
  el.removeAttribute('aria-busy');
}
