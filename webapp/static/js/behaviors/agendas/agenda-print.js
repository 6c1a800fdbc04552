// data-js-agenda-print: print the agenda (the print stylesheet shows the lines, their
// minutes and the total, and hides the navigation, the gathered items and the buttons).
// Before any printing (the button, or the browser's own print), each line's title and
// minutes are copied from their fields into plain text beside them: a field prints as a box
// one line wide, cutting a long title off; the text wraps.
import { t } from '../../i18n.js';

/** Put each field's value in a print-only text after it. */
export function copyFieldsForPrint(root = document) {
  for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (root.querySelectorAll('[data-title-input], [data-minutes]'))) {
    let copy = /** @type {HTMLElement|null} */ (input.nextElementSibling);
    if (!copy?.hasAttribute('data-print-copy')) {
      copy = document.createElement('span');
      copy.className = 'print-copy';
      copy.dataset.printCopy = '';
      input.after(copy);
    }
    const minutes = input.hasAttribute('data-minutes');
    copy.textContent = minutes ? (input.value ? t('agendaLineMinutes').replace('{n}', input.value) : '') : input.value;
  }
}

export default function agendaPrint(button) {
  button.addEventListener('click', () => window.print());
  window.addEventListener('beforeprint', () => copyFieldsForPrint());
}
