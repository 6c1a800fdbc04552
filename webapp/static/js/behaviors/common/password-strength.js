// data-js-password-strength="<meter id>": live strength estimate of a new password
// (zxcvbn-ts, loaded on demand) with words, not only a bar.
import { t } from '../../i18n.js';
import { estimate } from '../../strength.js';

/** @param {HTMLInputElement} input */
export default function passwordStrength(input) {
  const meter = /** @type {HTMLMeterElement|null} */ (document.getElementById(input.dataset.jsPasswordStrength));
  const text = document.getElementById(`${input.id}-strength`);
  let timer = null;
  const update = async () => {
    const value = input.value;
    if (!value) {
      if (meter) meter.value = 0;
      if (text) text.textContent = '';
      return;
    }
    const other = (name) => /** @type {HTMLInputElement|null} */ (input.form?.elements.namedItem(name))?.value;
    const result = await estimate(value, [other('email'), other('display_name')]);
    if (input.value !== value) return;
    if (meter) meter.value = result.score;
    if (text) text.textContent = t(`strength${result.score}`);
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  });
}
