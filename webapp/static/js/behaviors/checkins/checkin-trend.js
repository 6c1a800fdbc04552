// data-js-checkin-trend: one person's check-ins on a goal, opened in place: each table row's
// value and note (textContent only), then the trend chart drawn from the decrypted values
// (chart.js: SVG, role="img" with a title and a description; the table is its alternative).
import { drawTrend, trendModel, trendSummary } from '../../chart.js';
import { checkinValue, noteOf } from '../../checkins.js';
import { t } from '../../i18n.js';
import { openSealed } from '../../sealed-items.js';
import { requireKeys } from '../../session.js';
import { timeZone } from '../../zone.js';

let charts = 0;

/** A date in the page's language, numeric (the table shows the full time). */
function day(date) {
  return date.toLocaleDateString(document.documentElement.lang || 'fi', { day: 'numeric', month: 'numeric', year: 'numeric', timeZone: timeZone() });
}

/** The chart's description in words (what the table lists one by one). */
export function describe(summary) {
  if (!summary) return t('checkinNone');
  if (summary.count === 1) {
    return t('checkinSummaryOne').replace('{date}', day(summary.from)).replace('{value}', String(summary.last));
  }
  const change = summary.change > 0 ? `+${summary.change}` : summary.change < 0 ? `−${-summary.change}` : '±0';
  return t('checkinSummary')
    .replace('{count}', String(summary.count))
    .replace('{from}', day(summary.from))
    .replace('{to}', day(summary.to))
    .replace('{first}', String(summary.first))
    .replace('{last}', String(summary.last))
    .replace('{change}', change)
    .replace('{min}', String(summary.min))
    .replace('{max}', String(summary.max));
}

/** The change from the previous check-in, as text: +2, −1, ±0; '–' for the first. */
export function changeText(previous, value) {
  if (previous === null || value === null) return '–';
  const change = value - previous;
  return change > 0 ? `+${change}` : change < 0 ? `−${-change}` : '±0';
}

/** Fill each row's change column from the opened values, in the table's (time) order. */
function showChanges(rows) {
  let previous = null;
  for (const row of rows) {
    const text = row.querySelector('[data-value]')?.textContent || '';
    const value = /^\d+$/.test(text) ? Number(text) : null;
    const cell = row.querySelector('[data-change]');
    if (cell) cell.textContent = changeText(previous, value);
    if (value !== null) previous = value;
  }
}

export default async function checkinTrend(root) {
  const rows = /** @type {HTMLElement[]} */ ([...root.querySelectorAll('[data-checkin][data-sealed]')]);
  const holder = /** @type {HTMLElement|null} */ (root.querySelector('[data-chart]'));
  const caption = /** @type {HTMLElement|null} */ (root.querySelector('[data-chart-summary]'));
  if (!rows.length || !holder) return;
  const keys = await requireKeys();
  if (!keys) return;
  /** @type {{at: Date, value: number}[]} */
  const points = [];
  await Promise.all(
    rows.map(async (row) => {
      const valueCell = /** @type {HTMLElement} */ (row.querySelector('[data-value]'));
      const noteCell = /** @type {HTMLElement} */ (row.querySelector('[data-note]'));
      try {
        const item = JSON.parse(row.dataset.sealed || '');
        const { payload, dek } = await openSealed(item, keys);
        dek.fill(0);
        const value = checkinValue(payload);
        valueCell.textContent = value === null ? '–' : String(value);
        noteCell.textContent = noteOf(payload);
        if (value !== null) points.push({ at: new Date(item.created_at), value });
        row.dataset.state = 'open';
      } catch (err) {
        const code = /** @type {any} */ (err)?.code;
        valueCell.textContent = '–';
        noteCell.textContent = code === 'bad_signature' || code === 'header_mismatch' ? t('badSignature') : t('decryptFailed');
        row.dataset.state = 'error';
      }
      valueCell.removeAttribute('aria-busy');
    }),
  );
  showChanges(rows);
  const heading = root.querySelector('h2, h3')?.textContent?.trim() || '';
  const description = describe(trendSummary(points));
  charts += 1;
  const svg = drawTrend(document, trendModel(points), { id: `trend-chart-${charts}`, title: `${t('checkinChartTitle')}: ${heading}`, description });
  holder.replaceChildren(svg);
  holder.removeAttribute('aria-busy');
  if (caption) caption.textContent = description;
  root.dataset.state = 'drawn';
}
