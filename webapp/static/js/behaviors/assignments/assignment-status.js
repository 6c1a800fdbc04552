// data-js-assignment-status: the assignee marks the assignment (data-item) done or skipped;
// the page then shows the stored status. Marking again is harmless (the server answers the
// same); a change made meanwhile on another device is said plainly. An answer not saved yet
// is saved first (the page asks for it).
import { api } from '../../api.js';
import { t } from '../../i18n.js';
import { leaveNotice } from '../../notices.js';
import { errorMessage, go, setStatus } from '../../ui.js';

export default function assignmentStatus(root) {
  const item = /** @type {string} */ (root.dataset.item);
  const buttons = /** @type {HTMLButtonElement[]} */ ([...root.querySelectorAll('[data-set-status]')]);
  for (const button of buttons) {
    button.addEventListener('click', async () => {
      // An answer typed and not saved would be left behind by the reload (kept only as a
      // draft on this device, the supervisor never seeing it): it is saved first.
      const unsaved = /** @type {HTMLElement|null} */ (document.querySelector('[data-js-assignment-response][data-unsaved]'));
      if (unsaved) {
        setStatus(root, t('saveAnswerFirst'), 'error');
        /** @type {HTMLElement|null} */ (unsaved.querySelector('form [type=submit]'))?.focus();
        return;
      }
      for (const b of buttons) b.disabled = true;
      setStatus(root, t('saving'), 'busy');
      try {
        await api('POST', `/assignments/${item}/status`, { status: button.dataset.setStatus });
        leaveNotice('saved', window.location.pathname);
        go(window.location.pathname);
      } catch (err) {
        const message = err?.code === 'status_conflict' ? t('assignmentStatusChanged') : err?.status === 0 ? t('offlineTryAgain') : errorMessage(err);
        setStatus(root, message, 'error');
        for (const b of buttons) b.disabled = false;
      }
    });
  }
  // Rendered disabled: usable once the listeners are in place.
  for (const button of buttons) button.disabled = false;
}
