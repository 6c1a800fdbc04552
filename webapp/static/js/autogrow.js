// Text areas that grow with their text. CSS `field-sizing: content` does it where the browser
// has it (app.css); elsewhere this small fallback sets each text area's height from its
// scrollHeight on every input (and when the caller fills it). Heights are set through the
// CSSOM, which the strict CSP allows (no style attribute in markup).

const native = typeof CSS !== 'undefined' && typeof CSS.supports === 'function' && CSS.supports('field-sizing', 'content');

/** @param {HTMLTextAreaElement} area */
function fit(area) {
  const style = getComputedStyle(area);
  const borders = parseFloat(style.borderTopWidth) + parseFloat(style.borderBottomWidth);
  const { scrollX, scrollY } = window;
  area.style.height = 'auto'; // shrink first, so that deleted lines give their room back
  area.style.height = `${area.scrollHeight + borders}px`;
  window.scrollTo(scrollX, scrollY); // the moment at "auto" must not move the page
}

/**
 * Make the text areas in `root` grow with their text. Returns a function that fits them all
 * again (call it after filling them from code: that fires no input event).
 * @param {HTMLElement} root
 * @returns {() => void}
 */
export function autoGrow(root) {
  if (native) return () => {};
  const areas = () => /** @type {HTMLTextAreaElement[]} */ ([...root.querySelectorAll('textarea')]);
  const fitAll = () => areas().forEach(fit);
  root.addEventListener('input', (event) => {
    if (event.target instanceof HTMLTextAreaElement) fit(event.target);
  });
  window.addEventListener('resize', fitAll);
  fitAll();
  return fitAll;
}
