// data-js-agenda-checklist: the agenda as a checklist during the session (the supervisor):
// tick a line, note the minutes it took. Each change is sent at once (PATCH of that line);
// without a connection it waits on this device (localStorage: line ids, ticks and minutes,
// no words) and is sent when the browser is back online, or when the page is opened again.
import { api } from '../../api.js';
import { agendaWords, carriedWords, cleanMinutes, flushTicks, loadTicks, queueTick, storeTicks, tickBody } from '../../agendas.js';
import { t } from '../../i18n.js';
import { openSealed } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';
import { setStatus } from '../../ui.js';

export default async function agendaChecklist(root) {
  const data = JSON.parse(root.dataset.agenda || '{}');
  const sid = data.sid;
  const usedTotal = /** @type {HTMLElement} */ (root.querySelector('[data-used-total]'));
  const rows = /** @type {HTMLElement[]} */ ([...root.querySelectorAll('[data-line]')]);
  let flushing = false;

  // Pending ticks from an earlier visit show as they were ticked.
  for (const tick of loadTicks(localStorage, sid)) {
    const row = rows.find((r) => r.dataset.line === tick.line);
    if (!row) continue;
    if (tick.done !== undefined) /** @type {HTMLInputElement} */ (row.querySelector('[data-done]')).checked = tick.done;
    if (tick.used_minutes !== undefined) /** @type {HTMLInputElement} */ (row.querySelector('[data-used]')).value = tick.used_minutes === null ? '' : String(tick.used_minutes);
  }

  function showUsed() {
    let used = 0;
    for (const row of rows) {
      const value = /** @type {HTMLInputElement} */ (row.querySelector('[data-used]')).value;
      if (value !== '') used += cleanMinutes(value);
    }
    usedTotal.textContent = t('agendaUsed').replace('{used}', String(used)).replace('{length}', String(data.minutes));
  }

  async function flush() {
    if (flushing) return;
    const pending = loadTicks(localStorage, sid);
    if (!pending.length) return;
    flushing = true;
    let again = false;
    try {
      const { left } = await flushTicks(pending, (tick) => api('POST', `/sessions/${sid}/agenda/ticks`, tickBody(tick)));
      // Ticks made while these were sent stay queued (a changed one differs from the sent).
      const now = loadTicks(localStorage, sid);
      const sentLines = new Set(pending.filter((p) => !left.includes(p)).map((p) => JSON.stringify(p)));
      storeTicks(localStorage, sid, now.filter((tick) => !sentLines.has(JSON.stringify(tick))));
      const waiting = loadTicks(localStorage, sid).length;
      setStatus(root, waiting ? t('agendaTickWaiting') : t('agendaTicksSent'), waiting ? 'error' : 'ok');
      root.dataset.pending = String(waiting);
      again = waiting > 0 && !left.length; // only new ticks wait: send them too
    } finally {
      flushing = false;
    }
    if (again) await flush();
  }

  function record(tick) {
    storeTicks(localStorage, sid, queueTick(loadTicks(localStorage, sid), tick));
    root.dataset.pending = String(loadTicks(localStorage, sid).length);
    if (!navigator.onLine) {
      setStatus(root, t('agendaTickWaiting'), 'error');
      return;
    }
    flush();
  }

  root.addEventListener('change', (event) => {
    const target = /** @type {HTMLInputElement} */ (event.target);
    const row = /** @type {HTMLElement|null} */ (target.closest('[data-line]'));
    if (!row) return;
    const line = row.dataset.line || '';
    if (target.matches('[data-done]')) record({ line, done: target.checked });
    else if (target.matches('[data-used]')) {
      record({ line, used_minutes: target.value === '' ? null : cleanMinutes(target.value) });
      showUsed();
    }
  });
  window.addEventListener('online', () => flush());

  for (const row of rows) {
    for (const input of row.querySelectorAll('input')) /** @type {HTMLInputElement} */ (input).disabled = false;
  }
  showUsed();
  root.dataset.ready = 'true';
  if (navigator.onLine) flush();

  // The words: the agenda item (its lines' titles) and, for carried lines not saved into it
  // since (carried after it was saved, or into an agenda never saved), the earlier agenda's.
  const keys = await requireKeys();
  if (!keys) return;
  const uid = /** @type {string} */ (currentUid());
  const open = async (/** @type {any} */ item) => (await openSealed(item, keys, uid)).payload;
  try {
    const [words, carried] = await Promise.all([
      data.item ? open(data.item).then(agendaWords) : new Map(),
      carriedWords(data, open),
    ]);
    for (const row of rows) {
      const line = row.dataset.line || '';
      /** @type {HTMLElement} */ (row.querySelector('[data-title]')).textContent = words.get(line)?.title || carried.get(line)?.title || '–';
    }
  } catch (err) {
    setStatus(root, t('decryptFailed'), 'error');
  }
}
