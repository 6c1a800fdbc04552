// data-js-contract-revision: one revision of a process's contract opened in place (the
// sections, the place and the headings in the contract's own language, with textContent),
// and every acceptance shown beside it checked here: the member's pinned key must have
// signed this item's id, rev and content hash. The badge says "signature verified", or a
// loud warning when it does not hold.
import { acceptanceHolds, sectionsOf } from '../../contract.js';
import { t } from '../../i18n.js';
import { bundleFor } from '../../pins.js';
import { openSealed } from '../../sealed-items.js';
import { requireKeys } from '../../session.js';
import { statusLine } from '../../ui.js';

export default async function contractRevision(root) {
  const status = statusLine(root);
  const keys = await requireKeys();
  if (!keys) return;
  let item;
  let payload;
  try {
    item = JSON.parse(root.dataset.sealed || '');
    ({ payload } = await openSealed(item, keys));
  } catch (err) {
    const code = /** @type {any} */ (err)?.code;
    say(status, code === 'bad_signature' || code === 'header_mismatch' ? t('contractBadSignature') : t('decryptFailed'), 'error');
    return;
  }
  show(root, payload);
  say(status, '', '');
  await checkAcceptances(root, item, status);
}

/** Fill the headings, the sections and the place; sections left empty stay hidden. */
function show(root, payload) {
  const lang = ['fi', 'sv', 'en'].includes(payload?.lang) ? payload.lang : 'fi';
  let headings = {};
  try {
    headings = JSON.parse(root.dataset.headings || '{}')[lang] || {};
  } catch {
    headings = {};
  }
  for (const el of root.querySelectorAll('[data-heading]')) {
    const text = headings[/** @type {HTMLElement} */ (el).dataset.heading || ''];
    if (typeof text === 'string') {
      el.textContent = text;
      el.setAttribute('lang', lang);
    }
  }
  const texts = new Map(sectionsOf(payload));
  for (const section of root.querySelectorAll('[data-section]')) {
    const el = /** @type {HTMLElement} */ (section);
    const text = texts.get(el.dataset.section || '');
    const target = el.querySelector('[data-text]');
    if (target && text) target.textContent = text;
    el.setAttribute('lang', lang);
    el.hidden = !text;
  }
  const place = root.querySelector('[data-field="place"]');
  if (place) {
    place.textContent = typeof payload?.place === 'string' && payload.place.trim() ? payload.place : '–';
    place.setAttribute('lang', lang);
  }
  root.dataset.state = 'open';
}

async function checkAcceptances(root, item, status) {
  let acceptances = [];
  try {
    acceptances = JSON.parse(root.dataset.acceptances || '[]');
  } catch {
    acceptances = [];
  }
  let failed = 0;
  await Promise.all(
    acceptances.map(async (acceptance) => {
      const badge = root.querySelector(`[data-verify="${CSS.escape(String(acceptance.user))}"]`);
      let holds = false;
      let changed = false;
      try {
        const bundle = await bundleFor(acceptance.user);
        holds = await acceptanceHolds(acceptance, item, bundle.ed25519);
      } catch (err) {
        changed = /** @type {any} */ (err)?.name === 'PinError';
      }
      if (!holds) failed += 1;
      if (!badge) return;
      badge.textContent = holds ? t('signatureVerified') : changed ? t('signatureKeyChanged') : t('signatureInvalid');
      /** @type {HTMLElement} */ (badge).dataset.state = holds ? 'ok' : 'error';
    }),
  );
  if (failed) {
    say(status, t('acceptanceWarning'), 'error');
    status?.setAttribute('role', 'alert');
  }
}

function say(el, text, state) {
  if (!el) return;
  el.textContent = text;
  el.dataset.state = state;
}
