// data-js-checkin-sharing: the supervisee's switch "my supervisor sees my check-ins on this
// goal". On: the server remembers it, new check-ins carry the supervisor's envelope, and the
// earlier ones (data-items) can be shared too with one button. Off: the server deletes the
// supervisor's envelopes of them at once; this device rotates their keys (PROTOCOL §5).
import { setCheckinSharing, shareEarlier } from '../../checkins.js';
import { t } from '../../i18n.js';
import { currentUid, requireKeys } from '../../session.js';
import { errorMessage, setStatus } from '../../ui.js';

export default function checkinSharing(root) {
  const toggle = /** @type {HTMLInputElement} */ (root.querySelector('input[role=switch]'));
  const offer = /** @type {HTMLElement} */ (root.querySelector('[data-offer-earlier]'));
  const button = /** @type {HTMLButtonElement} */ (root.querySelector('[data-share-earlier]'));
  const { pid, goal, supervisor } = /** @type {{pid: string, goal: string, supervisor: string}} */ (root.dataset);
  /** @type {string[]} */
  const earlier = JSON.parse(root.dataset.items || '[]');
  const form = /** @type {HTMLElement|null} */ (document.querySelector('[data-js-checkin-form]'));
  /** Tell the check-in form (and its help lines) whether new check-ins are shared. */
  const reflect = (shared) => {
    if (!form) return;
    if (shared) form.dataset.shared = '';
    else delete form.dataset.shared;
    const sharedHelp = /** @type {HTMLElement|null} */ (form.querySelector('[data-shared-help]'));
    const privateHelp = /** @type {HTMLElement|null} */ (form.querySelector('[data-private-help]'));
    if (sharedHelp) sharedHelp.hidden = !shared;
    if (privateHelp) privateHelp.hidden = shared;
  };

  toggle.addEventListener('change', async () => {
    const wanted = toggle.checked;
    const keys = await requireKeys();
    if (!keys) return;
    toggle.disabled = true;
    setStatus(root, t('saving'), 'busy');
    try {
      const { shared } = await setCheckinSharing({ pid, goal, shared: wanted }, { keys, uid: /** @type {string} */ (currentUid()) });
      toggle.checked = shared;
      reflect(shared);
      offer.hidden = !(shared && earlier.length);
      setStatus(root, shared ? t('checkinSharingOn') : t('checkinSharingOff'), 'ok');
    } catch (err) {
      toggle.checked = !wanted;
      setStatus(root, errorMessage(err), 'error');
    } finally {
      toggle.disabled = false;
    }
  });

  button.addEventListener('click', async () => {
    const keys = await requireKeys();
    if (!keys) return;
    button.disabled = true;
    setStatus(root, t('sharing'), 'busy');
    try {
      const count = await shareEarlier(earlier, { supervisor, pid }, { keys, uid: /** @type {string} */ (currentUid()) });
      offer.hidden = true;
      setStatus(root, t('checkinSharedEarlier').replace('{n}', String(count)), 'ok');
    } catch (err) {
      setStatus(root, err?.name === 'PinError' ? t('checkinKeyChanged') : errorMessage(err), 'error');
    } finally {
      button.disabled = false;
    }
  });
}
