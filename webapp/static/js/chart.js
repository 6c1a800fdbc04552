// A small trend chart of 0–10 check-ins, drawn as SVG (issue 10: "a trend chart per goal
// drawn in the browser from the decrypted values"). Pure code: `trendModel` computes the
// geometry from the points, `trendSummary` the figures of the accessible description, and
// `drawTrend` builds the SVG with the document it is given (createElementNS and textContent
// only, never markup). Node tests run all three.
//
// Accessibility: the SVG is role="img" named by its <title> and described by its <desc>
// (aria-labelledby / aria-describedby); each point carries its value as a number next to it,
// so nothing is told by colour alone; the page shows the same check-ins as a table.

export const SCALE_MIN = 0;
export const SCALE_MAX = 10;
const SVG = 'http://www.w3.org/2000/svg';

/** @typedef {{at: Date, value: number}} Point */

/**
 * The points that can be drawn, oldest first: a valid time and an integer value 0–10.
 * @param {{at: unknown, value: unknown}[]} points
 * @returns {Point[]}
 */
export function cleanPoints(points) {
  return points
    .map(({ at, value }) => ({ at: at instanceof Date ? at : new Date(/** @type {any} */ (at)), value }))
    .filter(({ at, value }) => !Number.isNaN(at.getTime()) && Number.isInteger(value) && /** @type {number} */ (value) >= SCALE_MIN && /** @type {number} */ (value) <= SCALE_MAX)
    .map((p) => /** @type {Point} */ (p))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * The chart's geometry. Points are spaced evenly in time order (check-ins are irregular: an
 * even spacing keeps each one readable on a phone); y runs from 0 at the bottom to 10.
 * @param {{at: unknown, value: unknown}[]} points
 * @param {{width?: number, height?: number, pad?: number}} [size]
 */
export function trendModel(points, { width = 320, height = 180, pad = 28 } = {}) {
  const clean = cleanPoints(points);
  const left = pad;
  const right = width - pad / 2;
  const top = pad / 2;
  const bottom = height - pad;
  const y = (/** @type {number} */ value) => round(bottom - ((value - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)) * (bottom - top));
  const step = clean.length > 1 ? (right - left) / (clean.length - 1) : 0;
  const dots = clean.map((p, i) => ({
    x: round(clean.length > 1 ? left + i * step : (left + right) / 2),
    y: y(p.value),
    value: p.value,
    at: p.at,
  }));
  const path = dots.map((d, i) => `${i ? 'L' : 'M'}${d.x} ${d.y}`).join(' ');
  const ticks = [0, 5, 10].map((value) => ({ value, y: y(value) }));
  return { width, height, left, right, top, bottom, dots, path, ticks };
}

/**
 * The figures the description tells: how many, the first and latest value, the change,
 * the lowest and highest; null without points.
 * @param {{at: unknown, value: unknown}[]} points
 */
export function trendSummary(points) {
  const clean = cleanPoints(points);
  if (!clean.length) return null;
  const values = clean.map((p) => p.value);
  const first = clean[0];
  const last = clean[clean.length - 1];
  return {
    count: clean.length,
    first: first.value,
    last: last.value,
    change: last.value - first.value,
    min: Math.min(...values),
    max: Math.max(...values),
    from: first.at,
    to: last.at,
  };
}

const round = (/** @type {number} */ n) => Math.round(n * 10) / 10;

/**
 * Build the chart's SVG. `title` names it and `description` says what it shows in words (the
 * caller writes both in the user's language); `id` makes the ids of its title and desc.
 * @param {Document} doc
 * @param {ReturnType<typeof trendModel>} model
 * @param {{id: string, title: string, description: string}} text
 * @returns {SVGSVGElement}
 */
export function drawTrend(doc, model, { id, title, description }) {
  const el = (/** @type {string} */ name, /** @type {Record<string, string | number>} */ attrs = {}) => {
    const node = doc.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    return node;
  };
  const svg = /** @type {SVGSVGElement} */ (el('svg', { viewBox: `0 0 ${model.width} ${model.height}`, role: 'img', 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-desc`, class: 'trend-chart', focusable: 'false' }));
  const titleEl = el('title', { id: `${id}-title` });
  titleEl.textContent = title;
  const descEl = el('desc', { id: `${id}-desc` });
  descEl.textContent = description;
  svg.append(titleEl, descEl);
  const axes = el('g', { class: 'trend-axes', 'aria-hidden': 'true' });
  for (const tick of model.ticks) {
    axes.append(el('line', { x1: model.left, x2: model.right, y1: tick.y, y2: tick.y, class: 'trend-grid' }));
    const label = el('text', { x: model.left - 6, y: tick.y + 4, 'text-anchor': 'end', class: 'trend-tick' });
    label.textContent = String(tick.value);
    axes.append(label);
  }
  svg.append(axes);
  const series = el('g', { class: 'trend-series', 'aria-hidden': 'true' });
  if (model.dots.length > 1) series.append(el('path', { d: model.path, class: 'trend-line', fill: 'none' }));
  for (const dot of model.dots) {
    series.append(el('circle', { cx: dot.x, cy: dot.y, r: 4, class: 'trend-dot' }));
    const label = el('text', { x: dot.x, y: dot.y - 8, 'text-anchor': 'middle', class: 'trend-value' });
    label.textContent = String(dot.value);
    series.append(label);
  }
  svg.append(series);
  return svg;
}
