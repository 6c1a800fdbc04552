// data-js-contract-print: print the contract (the print stylesheet hides the navigation and
// the buttons, and opens the earlier revisions' panels only when they were opened).
export default function contractPrint(button) {
  button.addEventListener('click', () => window.print());
}
