// A QR code as an inline SVG (for an invite link shown on the screen at a first meeting).
// The encoder is uqr (npm registry, copied to vendor/uqr.mjs by scripts/vendor.mjs); this
// module is imported on demand, so the build puts it and uqr in a chunk of their own that
// only a tap on "Show a QR code" loads.
import { encode } from '../vendor/uqr.mjs';

const SVG = 'http://www.w3.org/2000/svg';

/**
 * Draw `text` as a QR code (error correction M, a 4-module quiet zone) into `container`.
 * Built with DOM calls (no markup strings); dark modules on white in every colour scheme.
 * @param {Element} container
 * @param {string} text
 * @param {string} label the image's accessible name
 */
export function renderQr(container, text, label) {
  const { data, size } = encode(text, { ecc: 'M', border: 4 });
  let d = '';
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    }),
  );
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('width', '240');
  svg.setAttribute('height', '240');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('shape-rendering', 'crispEdges');
  const background = document.createElementNS(SVG, 'rect');
  background.setAttribute('width', String(size));
  background.setAttribute('height', String(size));
  background.setAttribute('fill', '#fff');
  const modules = document.createElementNS(SVG, 'path');
  modules.setAttribute('d', d);
  modules.setAttribute('fill', '#000');
  svg.append(background, modules);
  container.replaceChildren(svg);
  return svg;
}
