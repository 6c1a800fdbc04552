// data-js-home-goal: a goal of a process (a sealed item of kind "goal") opened in place on
// the home, with textContent only. The goals of one page are opened in one batch (the keys
// are read once).
import { t } from '../../i18n.js';
import { openedWithKeys } from '../../batch.js';
import { openSealed } from '../../sealed-items.js';

export default openedWithKeys(open);

/** The goal's words: the payload is untrusted JSON ({text}, as contract.js seals it). */
export function goalText(payload) {
  for (const key of ['text', 'title', 'body']) {
    const value = payload?.[key];
    if (typeof value === 'string' && value.trim()) return value;
  }
  return t('untitledGoal');
}

async function open(el, keys) {
  try {
    const { payload } = await openSealed(JSON.parse(el.dataset.sealed || ''), keys);
    el.textContent = goalText(payload);
    el.dataset.state = 'open';
  } catch (err) {
    el.textContent = err?.code === 'bad_signature' || err?.code === 'header_mismatch' ? t('badSignature') : t('decryptFailed');
    el.dataset.state = 'error';
  }
  el.removeAttribute('aria-busy');
}
