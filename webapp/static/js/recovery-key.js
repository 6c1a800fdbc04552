// The "save your recovery key" step after sign-up and after a reset: show the key once,
// offer download/print/copy, and continue only when the user types back one group of it.
import { t } from './i18n.js';
import { clearErrors, fieldError } from './ui.js';

/** Show `display` in the [data-js-recovery] section; resolves once the user confirmed. */
export function confirmRecoveryKey(section, display, email) {
  const groups = display.split('-');
  const index = Math.floor(Math.random() * groups.length);
  section.querySelector('[data-recovery-key]').textContent = display;
  section.querySelector('[data-recovery-label]').textContent = t('recoveryGroup').replace('{n}', String(index + 1));
  const sheet = [
    t('recoverySheetTitle'),
    email ? `${t('recoverySheetAccount')}: ${email}` : '',
    '',
    display,
    '',
    t('recoverySheetKeep'),
    '',
  ].join('\n');
  const download = section.querySelector('[data-recovery-download]');
  download.href = URL.createObjectURL(new Blob([sheet], { type: 'text/plain;charset=utf-8' }));
  section.querySelector('[data-recovery-print]').addEventListener('click', () => window.print());
  section.querySelector('[data-recovery-copy]').addEventListener('click', () => navigator.clipboard?.writeText(display));
  section.hidden = false;
  section.focus();
  const form = section.querySelector('[data-recovery-confirm]');
  return new Promise((resolve) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      clearErrors(form);
      const typed = form.querySelector('#recovery-check').value.trim().toUpperCase();
      if (typed !== groups[index]) {
        fieldError(form.querySelector('#recovery-check'), t('recoveryMismatch'));
        return;
      }
      URL.revokeObjectURL(download.href);
      resolve();
    });
  });
}
