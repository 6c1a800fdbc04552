// data-js-outbox-status: how many sealed changes wait on this device, when the device last
// synced, a button to send now, and a link to what the server refused (/unsent). Also drives syncing: at start, when the network comes
// back, and every SYNC_EVERY while the page is open.
import { t, tn } from '../../i18n.js';
import * as mirror from '../../mirror.js';
import { reachable, seemsOffline } from '../../network.js';
import * as outbox from '../../outbox.js';
import { currentUid } from '../../session.js';
import { timeZone } from '../../zone.js';

const SYNC_EVERY = 30_000;

export default function outboxStatus(el) {
  const uid = currentUid();
  if (!uid) return;
  const text = el.querySelector('[data-outbox-text]');
  const button = el.querySelector('[data-outbox-sync]');
  const failedLink = /** @type {HTMLElement|null} */ (el.querySelector('[data-outbox-failed]'));

  async function render() {
    const ops = await outbox.pending(uid);
    const conflicts = ops.filter((op) => op.conflict).length;
    const failed = ops.filter((op) => op.error).length;
    // Offline: no network, or the server did not answer the page's last probe (network.js).
    const offline = seemsOffline();
    el.hidden = ops.length === 0 && !offline;
    const parts = [];
    if (offline) parts.push(t('offlineNow'));
    if (ops.length) parts.push(tn('waitingChanges', ops.length));
    if (conflicts) parts.push(tn('conflictsWaiting', conflicts));
    if (failed) parts.push(tn('changesFailed', failed));
    const synced = await mirror.lastSynced(uid);
    if (offline && synced) {
      const when = new Intl.DateTimeFormat(document.documentElement.lang || 'fi', { dateStyle: 'short', timeStyle: 'short', timeZone: timeZone() }).format(new Date(synced));
      parts.push(t('lastSynced').replace('{when}', when));
    }
    text.textContent = parts.join(' · ');
    button.hidden = ops.length === 0;
    // Refused for good (not for want of a network): where their text can be copied out.
    if (failedLink) failedLink.hidden = failed === 0;
  }

  async function syncNow() {
    // Believed offline while the device has a network: ask the server before sending.
    if (navigator.onLine && (!seemsOffline() || (await reachable()))) {
      const { sent, unreachable } = await outbox.sync(uid);
      // A change could not be sent for want of an answer: ask, so the line says offline.
      if (unreachable) await reachable();
      try {
        await mirror.refresh(uid, { force: sent > 0 });
      } catch {
        /* offline again: the mirror stays as it was */
      }
    }
    await render();
  }

  button.addEventListener('click', async () => {
    button.disabled = true;
    await outbox.retry(uid);
    button.disabled = false;
    await render();
  });
  window.addEventListener('valitila:outbox', render);
  window.addEventListener('online', syncNow);
  window.addEventListener('offline', render);
  window.addEventListener('valitila:connection', render);
  setInterval(syncNow, SYNC_EVERY);
  syncNow();
}
