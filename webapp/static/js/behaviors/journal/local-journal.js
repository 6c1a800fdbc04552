// data-js-local-journal: the journal opened from the device's sealed mirror when the server
// cannot be reached (this page is served by the service worker for /journal/ URLs offline).
// /journal/ lists the entries; /journal/<id> shows one; both decrypt locally.
import { entryCard } from '../../entry-card.js';
import { t } from '../../i18n.js';
import * as keystore from '../../keystore.js';
import { openMirror } from '../../local-entries.js';
import * as mirror from '../../mirror.js';
import { openSealed, showTags } from '../../sealed-items.js';

const ENTRY = /^\/journal\/([0-9a-f-]{36})\/?$/;

export default async function localJournal(root) {
  const account = await keystore.account();
  const keys = account && (await keystore.unlockedKeys(account.uid));
  const status = root.querySelector('[data-local-status]');
  if (!keys) {
    status.textContent = t('offlineLocked');
    return;
  }
  const synced = await mirror.lastSynced(account.uid);
  const when = synced ? new Intl.DateTimeFormat(document.documentElement.lang || 'fi', { dateStyle: 'short', timeStyle: 'short' }).format(new Date(synced)) : '—';
  status.textContent = `${t('offlineView')} ${t('lastSynced').replace('{when}', when)}`;
  const match = window.location.pathname.match(ENTRY);
  if (match) {
    const item = await mirror.get(match[1]);
    const view = root.querySelector('[data-local-entry]');
    if (!item) {
      view.querySelector('[data-field=title]').textContent = t('notOnDevice');
    } else {
      const { payload } = await openSealed(item, keys, account.uid);
      view.querySelector('[data-field=title]').textContent = payload.title || t('untitled');
      view.querySelector('[data-field=body]').textContent = typeof payload.body === 'string' ? payload.body : '';
      showTags(view.querySelector('[data-field=tags]'), payload.tags, { as: 'link' });
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
