// The "save your recovery key" step after sign-up, after a reset and when a new key is made:
// show the key once (its groups numbered), offer download/print/copy, and continue only when
// the user typed back the asked group and the server marked this key as confirmed.
import { api } from './api.js';
import { t } from './i18n.js';
import { clearErrors, errorMessage, fieldError, setStatus } from './ui.js';

/** The key as numbered groups: "ABCD-EFGH-…" stays the element's text (dashes hidden by
 *  the style), each group carries its position for the number shown above it. */
function showGroups(code, groups) {
  code.replaceChildren();
  groups.forEach((group, i) => {
    if (i > 0) {
      const dash = document.createElement('span');
      dash.className = 'recovery-dash';
      dash.textContent = '-';
      code.append(dash);
    }
    const span = document.createElement('span');
    span.className = 'recovery-group';
    span.dataset.n = String(i + 1);
    span.textContent = group;
    code.append(span);
  });
}

/** "the third group (3)": the position in words, from the translated ordinal list. */
function groupLabel(index) {
  const ordinals = t('recoveryOrdinals').split('|');
  const ordinal = ordinals[index] || String(index + 1);
  return t('recoveryGroup').replace('{ordinal}', ordinal).replace('{n}', String(index + 1));
}

/** Copy the key and say so in the step's status line (announced, visible). */
async function copyKey(status, display) {
  status.textContent = '';
  let copied = false;
  try {
    if (navigator.clipboard) {
      await navigator.clipboard.writeText(display);
      copied = true;
    }
  } catch {
    copied = false;
  }
  status.dataset.state = copied ? 'ok' : 'error';
  status.textContent = copied ? t('recoveryCopied') : t('recoveryCopyFailed');
}

/**
 * Show `display` in the [data-recovery] section; resolves once the user typed back the asked
 * group and the server confirmed the key (`recoveryAuthKey`, b64u: proves it is this key).
 * @param {HTMLElement} section
 * @param {string} display the key as shown, "ABCD-EFGH-…"
 * @param {string} email
 * @param {string} recoveryAuthKey
 */
export function confirmRecoveryKey(section, display, email, recoveryAuthKey) {
  const groups = display.split('-');
  const index = Math.floor(Math.random() * groups.length);
  showGroups(section.querySelector('[data-recovery-key]'), groups);
  section.querySelector('[data-recovery-label]').textContent = groupLabel(index);
  const sheet = [
    t('recoverySheetTitle'),
    email ? `${t('recoverySheetAccount')}: ${email}` : '',
    '',
    display,
    '',
    t('recoverySheetKeep'),
    '',
  ].join('\n');
  const download = /** @type {HTMLAnchorElement} */ (section.querySelector('[data-recovery-download]'));
  download.href = URL.createObjectURL(new Blob([sheet], { type: 'text/plain;charset=utf-8' }));
  section.querySelector('[data-recovery-print]').addEventListener('click', () => window.print());
  const copyStatus = section.querySelector('[data-recovery-copy-status]');
  section.querySelector('[data-recovery-copy]').addEventListener('click', () => copyKey(copyStatus, display));
  section.hidden = false;
  // The step starts at its heading: in view at the top, and focused for screen readers.
  const heading = /** @type {HTMLElement} */ (section.querySelector('h1, h2'));
  section.scrollIntoView({ block: 'start' });
  (heading || section).focus({ preventScroll: true });
  const form = section.querySelector('[data-recovery-confirm]');
  const input = /** @type {HTMLInputElement} */ (form.querySelector('#recovery-check'));
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  return new Promise((resolve) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearErrors(form);
      setStatus(form, '', '');
      const typed = input.value.trim().toUpperCase();
      if (typed !== groups[index]) {
        fieldError(input, t('recoveryMismatch'));
        return;
      }
      button.disabled = true;
      try {
        await api('POST', '/me/recovery/confirmed', { recovery_auth_key: recoveryAuthKey });
      } catch (err) {
        button.disabled = false;
        setStatus(form, err?.code === 'recovery_replaced' ? t('recoveryReplaced') : errorMessage(err), 'error');
        return;
      }
      URL.revokeObjectURL(download.href);
      resolve();
    });
  });
}
