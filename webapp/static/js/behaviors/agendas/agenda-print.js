// data-js-agenda-print: print the agenda (the print stylesheet shows the lines, their
// minutes and the total, and hides the navigation, the gathered items and the buttons).
export default function agendaPrint(button) {
  button.addEventListener('click', () => window.print());
}
