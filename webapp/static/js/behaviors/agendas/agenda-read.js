// data-js-agenda-read: a participant reads the shared agenda: its sealed item is opened here
// (an envelope for each participant was added when it was shared) and each line's words are
// put in place with textContent; a line carried in after it was shared has its words in the
// earlier (shared) agenda it continues.
import { agendaWords, carriedWords } from '../../agendas.js';
import { t } from '../../i18n.js';
import { openSealed } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';
import { setStatus } from '../../ui.js';

export default async function agendaRead(root) {
  const data = JSON.parse(root.dataset.agenda || '{}');
  // Nothing sealed to open yet (a participant whose envelope has not come: the page says
  // so). An agenda the roll-over made (a cancelled session's) has only carried lines.
  if (!data.item && !Object.keys(data.carried || {}).length) return;
  const keys = await requireKeys();
  if (!keys) return;
  const uid = /** @type {string} */ (currentUid());
  /** @type {Map<string, {title: string, note: string}>} */
  let words = new Map();
  /** @type {Map<string, {title: string, note: string}>} */
  let carried = new Map();
  const open = async (/** @type {any} */ item) => (await openSealed(item, keys, uid)).payload;
  try {
    [words, carried] = await Promise.all([
      data.item ? open(data.item).then(agendaWords) : new Map(),
      carriedWords(data, open),
    ]);
    setStatus(root, '');
  } catch (err) {
    const code = /** @type {any} */ (err)?.code;
    setStatus(root, code === 'bad_signature' || code === 'header_mismatch' ? t('badSignature') : t('decryptFailed'), 'error');
  }
  for (const li of root.querySelectorAll('[data-line]')) {
    const el = /** @type {HTMLElement} */ (li);
    const line = words.get(el.dataset.line || '') || carried.get(el.dataset.line || '');
    /** @type {HTMLElement} */ (el.querySelector('[data-title]')).textContent = line?.title || '–';
    /** @type {HTMLElement} */ (el.querySelector('[data-note]')).textContent = line?.note || '';
  }
  root.dataset.ready = 'true';
}
