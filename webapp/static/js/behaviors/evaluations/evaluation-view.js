// data-js-evaluation-view: an evaluation opened in place (per goal the scale at the start
// and now, what helped, what next; the summary — with textContent), and every acceptance
// shown beside it checked here: the member's pinned key must have signed this item's id,
// rev and content hash (PROTOCOL §6). Each badge says "signature verified", or a loud
// warning when it does not hold.
import { acceptanceHolds } from '../../contract.js';
import { evaluationPayload } from '../../evaluations.js';
import { t } from '../../i18n.js';
import { bundleFor } from '../../pins.js';
import { openSealed } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';
import { statusLine } from '../../ui.js';

export default async function evaluationView(root) {
  const status = statusLine(root);
  const keys = await requireKeys();
  if (!keys) return;
  let item;
  let payload;
  try {
    item = JSON.parse(root.dataset.sealed || '');
    ({ payload } = await openSealed(item, keys));
  } catch (err) {
    const code = /** @type {any} */ (err)?.code;
    say(status, code === 'bad_signature' || code === 'header_mismatch' ? t('evaluationBadSignature') : t('decryptFailed'), 'error');
    status?.setAttribute('role', 'alert');
    return;
  }
  show(root, evaluationPayload(payload));
  say(status, '', '');
  await checkAcceptances(root, item, status);
  if (root.dataset.missing) await shareWithNewMembers(root, item, keys);
}

/**
 * The supervisor's page of an evaluation still open for acceptance lists the active members
 * who joined after it was written (data-missing): her client gives them its key, as it does
 * for the contract's items (process-shares.js), so that they can read and accept it.
 */
async function shareWithNewMembers(root, item, keys) {
  const line = /** @type {HTMLElement | null} */ (root.querySelector('[data-share-status]'));
  let missing = [];
  try {
    missing = JSON.parse(root.dataset.missing || '[]');
  } catch {
    missing = [];
  }
  if (!missing.length) return;
  const [{ api }, { shareDue }] = await Promise.all([import('../../api.js'), import('../../process-shares.js')]);
  const due = missing.map((uid) => ({ item: item.id, process: root.dataset.pid || '', uid }));
  const result = await shareDue(due, { api, bundleFor, keys, uid: currentUid() });
  say(line, result.shared.size ? t('evaluationShared') : result.refused.size ? t('evaluationShareRefused') : t('saveFailed'), result.shared.size === missing.length ? 'ok' : 'error');
  root.dataset.shared = String(result.shared.size);
}

/** Fill each goal's values and texts (a goal the payload leaves out stays hidden). */
function show(root, { goals, summary }) {
  for (const section of root.querySelectorAll('[data-goal]')) {
    const el = /** @type {HTMLElement} */ (section);
    const part = goals[el.dataset.goal || ''];
    if (!part) continue;
    for (const [name, value] of Object.entries(part)) {
      const target = el.querySelector(`[data-field="${name}"]`);
      if (target) target.textContent = value === null || value === '' ? '–' : String(value);
    }
    el.hidden = false;
  }
  const target = root.querySelector('[data-field="summary"]');
  if (target) target.textContent = summary || '–';
  root.dataset.state = 'open';
}

async function checkAcceptances(root, item, status) {
  let acceptances = [];
  try {
    acceptances = JSON.parse(root.dataset.acceptances || '[]');
  } catch {
    acceptances = [];
  }
  let failed = 0;
  await Promise.all(
    acceptances.map(async (acceptance) => {
      const badge = root.querySelector(`[data-verify="${CSS.escape(String(acceptance.user))}"]`);
      let holds = false;
      let changed = false;
      try {
        const bundle = await bundleFor(acceptance.user);
        holds = await acceptanceHolds(acceptance, item, bundle.ed25519);
      } catch (err) {
        changed = /** @type {any} */ (err)?.name === 'PinError';
      }
      if (!holds) failed += 1;
      if (!badge) return;
      badge.textContent = holds ? t('signatureVerified') : changed ? t('signatureKeyChanged') : t('signatureInvalid');
      /** @type {HTMLElement} */ (badge).dataset.state = holds ? 'ok' : 'error';
    }),
  );
  if (failed) {
    say(status, t('evaluationAcceptanceWarning'), 'error');
    status?.setAttribute('role', 'alert');
  }
  root.dataset.verified = failed ? 'no' : 'yes';
}

function say(el, text, state) {
  if (!el) return;
  el.textContent = text;
  el.dataset.state = state;
}
