// data-js-shared-list: "What I have shared" (templates/sharing/index.html). Stop one share or
// all of them: each envelope is deleted at once, then the entry's key is rotated (sharing.js
// revoke; a rotation that cannot happen now is done on the entry's next open).
import { t } from '../../i18n.js';
import { currentUid, requireKeys } from '../../session.js';
import { revoke } from '../../sharing.js';
import { errorMessage, setStatus } from '../../ui.js';

export default function sharedList(root) {
  const uid = currentUid();
  /** @type {{keys: any, uid: string}|null} */
  let me = null;
  const ready = async () => {
    me ??= { keys: await requireKeys(), uid };
    return me.keys ? me : null;
  };
  const stop = async (row) => {
    const who = await ready();
    if (!who) return false;
    await revoke(row.dataset.item, row.dataset.reader, who);
    const group = row.closest('.share-group');
    row.remove();
    if (group && !group.querySelector('[data-share]')) group.remove();
    return true;
  };
  root.addEventListener('click', async (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('button');
    if (!button) return;
    if (button.hasAttribute('data-revoke')) {
      /** @type {HTMLButtonElement} */ (button).disabled = true;
      try {
        if (await stop(button.closest('[data-share]'))) setStatus(root, t('shareStopped'), 'ok');
      } catch (err) {
        /** @type {HTMLButtonElement} */ (button).disabled = false;
        setStatus(root, errorMessage(err), 'error');
      }
    } else if (button.hasAttribute('data-revoke-all')) {
      if (!window.confirm(t('stopAllConfirm'))) return;
      /** @type {HTMLButtonElement} */ (button).disabled = true;
      setStatus(root, t('stoppingShares'), 'busy');
      try {
        for (const row of [...root.querySelectorAll('[data-share]')]) await stop(row);
        setStatus(root, t('allSharesStopped'), 'ok');
        button.hidden = true;
      } catch (err) {
        /** @type {HTMLButtonElement} */ (button).disabled = false;
        setStatus(root, errorMessage(err), 'error');
      }
    }
  });
}
