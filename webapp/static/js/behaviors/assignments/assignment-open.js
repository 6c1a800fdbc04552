// data-js-assignment-open: the assignment's page opens its words (title, instructions,
// estimated time, tags) in place, with textContent only.
import { assignmentWords } from '../../assignments.js';
import { t } from '../../i18n.js';
import { openSealed } from '../../sealed-items.js';
import { requireKeys } from '../../session.js';

export default async function assignmentOpen(root) {
  const title = /** @type {HTMLElement} */ (root.querySelector('[data-assignment-title]'));
  const keys = await requireKeys();
  if (!keys) return;
  try {
    const { payload } = await openSealed(JSON.parse(root.dataset.sealed || ''), keys);
    const words = assignmentWords(payload);
    title.textContent = words.title || t('untitledAssignment');
    /** @type {HTMLElement} */ (root.querySelector('[data-assignment-instructions]')).textContent = words.instructions;
    // The separator comes with the duration: none when there is none.
    /** @type {HTMLElement} */ (root.querySelector('[data-assignment-minutes]')).textContent = words.minutes ? `\u00a0· ${t('assignmentMinutes').replace('{n}', String(words.minutes))}` : '';
    /** @type {HTMLElement} */ (root.querySelector('[data-assignment-tags]')).textContent = words.tags.join(' · ');
    root.dataset.state = 'open';
  } catch (err) {
    title.textContent = err?.code === 'bad_signature' || err?.code === 'header_mismatch' ? t('badSignature') : t('decryptFailed');
    root.dataset.state = 'error';
  }
  title.removeAttribute('aria-busy');
}
