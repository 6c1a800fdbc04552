// data-js-checkin-sharing: the supervisee's switch "my supervisor sees my check-ins on this
// goal". On: the server remembers it, new check-ins carry the supervisor's envelope, and the
// ones the supervisor cannot read (data-items: earlier ones, and those taken back by turning
// it off) can be shared too with one button, offered whenever there are any. Off: the server
// deletes the supervisor's envelopes of them at once; this device rotates their keys
// (PROTOCOL §5).
import { setCheckinSharing, shareEarlier } from '../../checkins.js';
import { t, tn } from '../../i18n.js';
import { currentUid, requireKeys } from '../../session.js';
import { errorMessage, setStatus } from '../../ui.js';

export default function checkinSharing(root) {
  const toggle = /** @type {HTMLInputElement} */ (root.querySelector('input[role=switch]'));
  const offer = /** @type {HTMLElement} */ (root.querySelector('[data-offer-earlier]'));
  const button = /** @type {HTMLButtonElement} */ (root.querySelector('[data-share-earlier]'));
  const { pid, goal, supervisor } = /** @type {{pid: string, goal: string, supervisor: string}} */ (root.dataset);
  /** Her check-ins on this goal the supervisor cannot read. @type {Set<string>} */
  const earlier = new Set(JSON.parse(root.dataset.items || '[]'));
  const offerText = /** @type {HTMLElement|null} */ (offer.querySelector('[data-offer-text]'));
  const showOffer = (shared) => {
    offer.hidden = !(shared && earlier.size);
    if (offerText) offerText.textContent = tn('checkinsUnshared', earlier.size);
  };
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

  showOffer(toggle.checked);

  toggle.addEventListener('change', async () => {
    const wanted = toggle.checked;
    const keys = await requireKeys();
    if (!keys) return;
    toggle.disabled = true;
    setStatus(root, t('saving'), 'busy');
    try {
      const { shared, revoked } = await setCheckinSharing({ pid, goal, shared: wanted }, { keys, uid: /** @type {string} */ (currentUid()) });
      for (const id of revoked) earlier.add(id);
      toggle.checked = shared;
      reflect(shared);
      showOffer(shared);
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
      const count = await shareEarlier([...earlier], { supervisor, pid }, { keys, uid: /** @type {string} */ (currentUid()) });
      earlier.clear();
      offer.hidden = true;
      setStatus(root, t('checkinSharedEarlier').replace('{n}', String(count)), 'ok');
    } catch (err) {
      setStatus(root, err?.name === 'PinError' ? t('checkinKeyChanged') : errorMessage(err), 'error');
    } finally {
      button.disabled = false;
    }
  });
}
