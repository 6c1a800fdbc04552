// data-js-process-sync (the "Supervision" link of a supervisor's navigation, so on every
// page): shares the process's member items with members who joined since (process-shares.js)
// and says so in the page's status line: "Shared the process with N new members". A member
// whose key changed since it was pinned gets nothing; the line says so. Runs once per page,
// quietly: nothing when the keys are locked (the next unlocked page does it).
//
// The behaviour itself is small (it runs on every page of a supervisor); the pin store and
// the sharing code are imported only when something is due.
import { t, tn } from '../../i18n.js';
import * as keystore from '../../keystore.js';
import { currentUid } from '../../session.js';

/** The due shares (a page route of this app; JSON). */
async function sharesDue() {
  const response = await fetch('/processes/shares-due', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!response.ok) return [];
  const data = await response.json();
  return Array.isArray(data?.due) ? data.due : [];
}

export default async function processSync() {
  const uid = currentUid();
  if (!uid) return;
  let due;
  try {
    due = await sharesDue();
  } catch {
    return; // offline: the next page tries again
  }
  if (!due.length) return;
  const keys = await keystore.unlockedKeys(uid);
  if (!keys) return;
  const [{ api }, { bundleFor }, { shareDue }] = await Promise.all([
    import('../../api.js'),
    import('../../pins.js'),
    import('../../process-shares.js'),
  ]);
  const result = await shareDue(due, { api, bundleFor, keys, uid });
  report(result);
}

function report({ shared, refused }) {
  const parts = [];
  if (shared.size) parts.push(tn('sharedWithMembers', shared.size));
  if (refused.size) parts.push(t('memberKeyChanged'));
  if (!parts.length) return;
  for (const member of shared) {
    document.querySelectorAll(`[data-member="${CSS.escape(member)}"] [data-waiting]`).forEach((badge) => badge.remove());
  }
  const line = document.querySelector('[data-sync-status]') || document.querySelector('[data-js-notice]');
  if (!line) return;
  line.textContent = parts.join(' ');
  /** @type {HTMLElement} */ (line).dataset.state = refused.size ? 'error' : 'ok';
}
