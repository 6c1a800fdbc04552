// data-js-process-name: a process's name (a sealed item of kind "title") opened in place,
// with textContent only. The names of one page are opened in one batch: the keys are read
// once. Nothing is kept in the journal's offline mirror.
import { t } from '../../i18n.js';
import { showName } from '../../process-forms.js';
import { openSealed } from '../../sealed-items.js';
import { requireKeys } from '../../session.js';

/** @type {HTMLElement[]} */
let queued = [];
/** @type {Promise<void> | null} */
let flushing = null;

export default function processName(el) {
  queued.push(el);
  flushing ??= Promise.resolve().then(flush);
  return flushing;
}

async function flush() {
  const batch = queued;
  queued = [];
  flushing = null;
  const keys = await requireKeys();
  if (!keys) return;
  await Promise.all(batch.map((el) => open(el, keys)));
}

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
