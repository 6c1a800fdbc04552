// data-js-notice (an empty role="status" line): shows once the confirmation the previous page
// left for this one ("Saved", "Deleted", …; notices.js). The text goes in a moment after
// load, so that screen readers announce the live region's change. A change kept on this
// device ("Saved on this device…") turns into the plain confirmation once the outbox has
// sent everything that waited: the line follows the real state.
import { t } from '../../i18n.js';
import { takeNotice } from '../../notices.js';
import * as outbox from '../../outbox.js';
import { currentUid } from '../../session.js';

/** What a notice of a change kept on this device becomes once it is sent. */
const ONCE_SENT = { savedLocally: 'saved', deletedLocally: 'deleted' };

export default function notice(el) {
  const name = takeNotice(window.location.pathname);
  if (!name) return;
  const show = (key) => {
    el.textContent = t(key);
    el.dataset.state = 'ok';
  };
  setTimeout(() => show(name), 150);
  const sent = ONCE_SENT[name];
  const uid = currentUid();
  if (!sent || !uid) return;
  const follow = async () => {
    const waiting = (await outbox.pending(uid)).filter((op) => !op.conflict && !op.error);
    if (waiting.length || el.textContent !== t(name)) return;
    window.removeEventListener('valitila:outbox', follow);
    show(sent);
  };
  window.addEventListener('valitila:outbox', follow);
}
