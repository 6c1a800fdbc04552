// data-js-shared-list: "What I have shared" (templates/sharing/index.html). Stop one share or
// all of them (after a confirming dialog). A reflection or an answer ([data-share]): its envelope is deleted at once, then
// its key is rotated (sharing.js revoke; a rotation that cannot happen now is done on the
// item's next open). A goal's check-ins ([data-checkin-goal]): the sharing is turned off, as
// on the goal's page (the server deletes the envelopes; this device rotates the keys).
import { setCheckinSharing } from '../../checkins.js';
import { t } from '../../i18n.js';
import { currentUid, requireKeys } from '../../session.js';
import { revoke } from '../../sharing.js';
import { confirmThen, errorMessage, setStatus } from '../../ui.js';

const ROWS = '[data-share], [data-checkin-goal]';

export default function sharedList(root) {
  const uid = currentUid();
  /** @type {{keys: any, uid: string}|null} */
  let me = null;
  const ready = async () => {
    me ??= { keys: await requireKeys(), uid };
    return me.keys ? me : null;
  };
  /** Take a stopped row off the page, and its heading and group once they are empty. */
  const drop = (row) => {
    const kind = row.closest('[data-share-kind]');
    const group = row.closest('.share-group');
    row.remove();
    if (kind && !kind.querySelector(ROWS)) kind.remove();
    if (group && !group.querySelector(ROWS)) group.remove();
  };
  const stop = async (row) => {
    const who = await ready();
    if (!who) return false;
    if (row.hasAttribute('data-checkin-goal')) {
      await setCheckinSharing({ pid: row.dataset.pid, goal: row.dataset.goal, shared: false }, who);
    } else {
      await revoke(row.dataset.item, row.dataset.reader, who);
    }
    drop(row);
    return true;
  };
  root.addEventListener('click', async (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest('button');
    if (!button) return;
    if (button.hasAttribute('data-revoke') || button.hasAttribute('data-stop-checkins')) {
      /** @type {HTMLButtonElement} */ (button).disabled = true;
      try {
        if (await stop(button.closest(ROWS))) setStatus(root, t('shareStopped'), 'ok');
        else /** @type {HTMLButtonElement} */ (button).disabled = false;
      } catch (err) {
        /** @type {HTMLButtonElement} */ (button).disabled = false;
        setStatus(root, errorMessage(err), 'error');
      }
    } else if (button.hasAttribute('data-revoke-all')) {
      const dialog = /** @type {HTMLDialogElement|null} */ (root.querySelector('[data-stop-all-dialog]'));
      confirmThen(dialog, t('stoppingShares'), async () => {
        for (const row of [...root.querySelectorAll(ROWS)]) {
          if (!(await stop(row))) return; // locked: on the way to the unlock page
        }
      }, () => {
        if (root.querySelector(ROWS)) return;
        setStatus(root, t('allSharesStopped'), 'ok');
        button.hidden = true;
      });
    }
  });
}
