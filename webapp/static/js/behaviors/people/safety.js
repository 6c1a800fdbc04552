// data-js-safety: the safety number of the signed-in user and one other person (PROTOCOL §2),
// computed here from both bundles: the own one from this device, theirs from the server,
// checked (self-signature, uid) and compared with the pin. Shown in 12 groups of 5 and as a
// QR code; "mark as verified" signs a verified pin record of exactly the bundle shown.
import { api } from '../../api.js';
import { verifyBundle } from '../../crypto/identity.js';
import { fingerprint, safetyCode, safetyNumber } from '../../crypto/safety.js';
import { t } from '../../i18n.js';
import { bundleFor, checkBundle, markVerified } from '../../pins.js';
import { currentUid, requireKeys } from '../../session.js';
import { errorMessage, setStatus } from '../../ui.js';

/** The 60 digits as 12 numbered groups of 5 (the recovery key's look), spaces kept for copying. */
function showGroups(code, number) {
  code.replaceChildren();
  number.split(' ').forEach((group, i) => {
    if (i > 0) code.append(' ');
    const span = document.createElement('span');
    span.className = 'recovery-group';
    span.dataset.n = String(i + 1);
    span.textContent = group;
    code.append(span);
  });
}

/** @param {HTMLElement} root */
export default async function safety(root) {
  const uid = root.dataset.uid || '';
  if (!(await requireKeys())) return;
  const shown = /** @type {HTMLElement} */ (root.querySelector('[data-safety-shown]'));
  const button = /** @type {HTMLButtonElement} */ (root.querySelector('[data-safety-verify]'));
  const warn = (kind) => {
    /** @type {HTMLElement} */ (root.querySelector(`[data-safety-warning="${kind}"]`)).hidden = false;
  };
  const state = (verified) => {
    for (const el of root.querySelectorAll('[data-safety-state]')) {
      /** @type {HTMLElement} */ (el).hidden = (/** @type {HTMLElement} */ (el).dataset.safetyState === 'verified') !== verified;
    }
    button.hidden = verified;
  };

  let theirs;
  let status;
  let number;
  try {
    const mine = await bundleFor(/** @type {string} */ (currentUid()));
    theirs = await api('GET', `/users/${uid}/bundle`);
    if (!(await verifyBundle(theirs, uid))) {
      setStatus(root, '', '');
      root.removeAttribute('aria-busy');
      return warn('bad');
    }
    ({ status } = await checkBundle(uid, theirs));
    number = safetyNumber(safetyCode(await fingerprint(mine)), safetyCode(await fingerprint(theirs)));
  } catch (err) {
    setStatus(root, errorMessage(err), 'error');
    root.removeAttribute('aria-busy');
    return;
  }

  if (status === 'changed') warn('changed');
  showGroups(root.querySelector('[data-safety-number]'), number);
  const qr = root.querySelector('[data-safety-qr]');
  shown.hidden = false;
  state(status === 'verified');
  setStatus(root, '', 'ok');
  root.removeAttribute('aria-busy');
  try {
    const { renderQr } = await import('../../qr.js');
    renderQr(qr, number.replaceAll(' ', ''), t('safetyQr'));
  } catch (err) {
    console.error('QR code failed', err);
  }

  button.addEventListener('click', async () => {
    button.disabled = true;
    setStatus(root, t('saving'), 'busy');
    try {
      await markVerified(uid, theirs);
      /** @type {HTMLElement} */ (root.querySelector('[data-safety-warning="changed"]')).hidden = true;
      state(true);
      setStatus(root, t('safetyVerified'), 'ok');
    } catch (err) {
      setStatus(root, errorMessage(err), 'error');
    } finally {
      button.disabled = false;
    }
  });
}
