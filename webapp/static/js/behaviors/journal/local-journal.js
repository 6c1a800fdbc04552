// data-js-local-journal: the journal opened from the device's sealed mirror when the server
// cannot be reached (this page is served by the service worker for /journal/ URLs offline).
// /journal/ lists the entries; /journal/<id> shows one; both decrypt locally. An entry not
// sent yet is marked so, until the outbox has sent it. The offline notice follows the real
// state: it goes when the server can be reached again, and comes back when the device is
// offline again.
import { entryCard } from '../../entry-card.js';
import { t } from '../../i18n.js';
import * as keystore from '../../keystore.js';
import { openMirror } from '../../local-entries.js';
import * as mirror from '../../mirror.js';
import { reachable } from '../../network.js';
import { openSealed, showTags } from '../../sealed-items.js';
import { timeZone } from '../../zone.js';

const ENTRY = /^\/journal\/([0-9a-f-]{36})\/?$/;

export default async function localJournal(root) {
  const account = await keystore.account();
  const keys = account && (await keystore.unlockedKeys(account.uid));
  const status = root.querySelector('[data-local-status]');
  if (!keys) {
    status.textContent = t('offlineLocked');
    return;
  }
  const showOffline = async () => {
    const synced = await mirror.lastSynced(account.uid);
    const when = synced ? new Intl.DateTimeFormat(document.documentElement.lang || 'fi', { dateStyle: 'short', timeStyle: 'short', timeZone: timeZone() }).format(new Date(synced)) : '—';
    status.textContent = `${t('offlineView')} ${t('lastSynced').replace('{when}', when)}`;
    status.hidden = false;
  };
  await showOffline();
  let probing = false;
  const followConnection = async () => {
    if (!navigator.onLine) {
      await showOffline();
      return;
    }
    if (probing || status.hidden) return;
    probing = true;
    try {
      if (await reachable()) status.hidden = true; // back online: this copy is no longer "offline"
    } finally {
      probing = false;
    }
  };
  window.addEventListener('online', followConnection);
  window.addEventListener('offline', followConnection);
  window.addEventListener('valitila:outbox', followConnection);
  followConnection();

  const match = window.location.pathname.match(ENTRY);
  if (match) {
    const view = root.querySelector('[data-local-entry]');
    const search = /** @type {HTMLElement|null} */ (root.querySelector('form.search'));
    if (search) search.hidden = true; // one entry: nothing to search
    const pending = view.querySelector('[data-local-pending]');
    const item = await mirror.get(match[1]);
    if (!item) {
      view.querySelector('[data-field=title]').textContent = t('notOnDevice');
    } else {
      const { payload } = await openSealed(item, keys, account.uid);
      view.querySelector('[data-field=title]').textContent = payload.title || t('untitled');
      view.querySelector('[data-field=body]').textContent = typeof payload.body === 'string' ? payload.body : '';
      showTags(view.querySelector('[data-field=tags]'), payload.tags, { as: 'link' });
      pending.hidden = !item.pending;
      // When the outbox sends it, the "not sent yet" mark goes.
      window.addEventListener('valitila:outbox', async () => {
        pending.hidden = !(await mirror.get(match[1]))?.pending;
      });
    }
    view.hidden = false;
    return;
  }
  const list = root.querySelector('[data-local-list]');
  const render = async () => {
    const entries = await openMirror(account.uid, keys);
    list.replaceChildren(...entries.map(({ item, payload }) => entryCard(item, payload)));
    list.hidden = false;
    root.querySelector('[data-local-empty]').hidden = entries.length > 0;
  };
  await render();
  // When the outbox sends what waited, the "not sent yet" badges go.
  window.addEventListener('valitila:outbox', render);
}
