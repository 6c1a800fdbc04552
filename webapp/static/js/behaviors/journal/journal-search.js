// data-js-journal-search: filter the decrypted journal on this device. The query never
// leaves the browser; entries come from the sealed mirror and are opened in memory.
import { entryCard } from '../../entry-card.js';
import { t, tn } from '../../i18n.js';
import { matches, openMirror } from '../../local-entries.js';
import * as keystore from '../../keystore.js';
import { currentUid } from '../../session.js';

export default function journalSearch(form) {
  const input = form.querySelector('input[type=search]');
  const results = document.getElementById(form.dataset.results);
  const list = document.getElementById(form.dataset.list);
  const count = form.querySelector('[data-search-count]');
  let entries = null;
  let timer = null;

  form.addEventListener('submit', (event) => event.preventDefault());
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 120);
  });

  async function run() {
    const query = input.value.trim();
    if (!query) {
      results.hidden = true;
      results.replaceChildren();
      if (list) list.hidden = false;
      count.textContent = '';
      return;
    }
    if (!entries) {
      // The offline shell has no signed-in user in the page: the device knows the account.
      const uid = currentUid() || (await keystore.account())?.uid;
      const keys = uid && (await keystore.unlockedKeys(uid));
      if (!keys) {
        count.textContent = t('offlineLocked');
        return;
      }
      entries = await openMirror(uid, keys);
    }
    const found = entries.filter(({ payload }) => matches(payload, query));
    results.replaceChildren(...found.map(({ item, payload }) => entryCard(item, payload)));
    results.hidden = false;
    if (list) list.hidden = true;
    count.textContent = found.length ? tn('searchCount', found.length) : t('searchNone');
  }
}
