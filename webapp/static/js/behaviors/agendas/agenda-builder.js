// data-js-agenda-builder: the supervisor builds a session's agenda. The page gives, in
// data-agenda, the agenda's structure, its sealed item, the earlier agendas of carried lines,
// and everything gathered for it (ciphertext, opened here with textContent only). She adds
// gathered items and her own, orders the lines with Up and Down buttons, gives each its
// minutes (the total against the session's length is shown as she goes), saves (the words
// sealed as the agenda item, then the structure, conditional on its version) and shares it
// with every participant (an envelope each, then the share call).
import { api } from '../../api.js';
import {
  agendaPayload,
  agendaWords,
  candidateTitle,
  carriedWords,
  cleanMinutes,
  moveLine,
  previousValues,
  structureBody,
  timebox,
} from '../../agendas.js';
import { checkinValue } from '../../checkins.js';
import { newDek, ownerEnvelope, sealItem, shareEnvelope } from '../../crypto/envelope.js';
import { dropDraft, loadDraft, saveDraft } from '../../drafts.js';
import { t } from '../../i18n.js';
import { bundleFor } from '../../pins.js';
import { openPayload, openSealed } from '../../sealed-items.js';
import { currentUid, offerBundles, requireKeys } from '../../session.js';
import { clearErrors, errorMessage, fieldError, setStatus } from '../../ui.js';
import { timeZone } from '../../zone.js';

const GROUPS = ['topic', 'entry', 'response', 'checkin'];

/** @typedef {import('../../agendas.js').Line} Line */

export default async function agendaBuilder(root) {
  performance.mark('valitila:agenda-start');
  const data = JSON.parse(root.dataset.agenda || '{}');
  const list = /** @type {HTMLOListElement} */ (root.querySelector('[data-lines]'));
  const none = /** @type {HTMLElement} */ (root.querySelector('[data-none]'));
  const total = /** @type {HTMLElement} */ (root.querySelector('[data-total]'));
  const sheet = /** @type {HTMLElement} */ (list.closest('section'));
  const lineTemplate = /** @type {HTMLTemplateElement} */ (root.querySelector('[data-line-template]'));
  const candidateTemplate = /** @type {HTMLTemplateElement} */ (root.querySelector('[data-candidate-template]'));
  const emptyTemplate = /** @type {HTMLTemplateElement} */ (root.querySelector('[data-empty-template]'));
  const ownForm = /** @type {HTMLFormElement} */ (root.querySelector('[data-own-form]'));
  const ownTitle = /** @type {HTMLInputElement} */ (ownForm.elements.namedItem('title'));
  const saveButton = /** @type {HTMLButtonElement} */ (root.querySelector('[data-save]'));
  const shareButton = /** @type {HTMLButtonElement} */ (root.querySelector('[data-share]'));
  const sharedState = /** @type {HTMLElement} */ (root.querySelector('[data-shared-state]'));
  // The members' public keys came with the page: what they wrote is verified without asking
  // the server for each one's key first (a call per member, before anything could be verified).
  offerBundles(data.bundles);
  const keys = await requireKeys();
  if (!keys) return;
  const uid = /** @type {string} */ (currentUid());
  const names = data.names || {};

  // The gathered items (hundreds) are opened first, all at once, while the agenda itself and
  // the draft are read. What bounds the page is the number of WebCrypto operations (Chromium
  // runs each on the main thread, a tenth of a millisecond for the X25519 and Ed25519 ones):
  // only their payloads are needed, so openPayload opens them with two fewer per item than
  // for editing (the share's wrap key derived straight into an AES key and the DEK unwrapped
  // into one, neither imported from bytes) and imports each author's signing key once per
  // page; every item is still decrypted and its signature verified (an item that fails shows
  // as unreadable and cannot be added).
  const candidates = data.candidates || {};
  const openingGroups = Promise.all(
    [...GROUPS, 'earlier'].map(async (group) => {
      const items = candidates[group] || [];
      return [group, await Promise.all(items.map((item) => openPayload(item, keys, uid).then(
        (payload) => ({ item, payload }),
        () => ({ item, payload: null }),
      )))];
    }),
  );

  // The sealed agenda as stored: its item (rev), key and words.
  /** @type {{item: any, dek: Uint8Array} | null} */
  let sealed = null;
  /** @type {Map<string, {title: string, note: string}>} */
  let words = new Map();
  if (data.item) {
    try {
      const opened = await openSealed(data.item, keys, uid);
      sealed = { item: data.item, dek: opened.dek };
      words = agendaWords(opened.payload);
    } catch (err) {
      console.warn('the agenda could not be opened', err);
    }
  }
  // Carried lines: their words are in an earlier agenda, under the line they continue (or
  // one further back in their chain: agendas.carriedWords).
  const carriedTitles = await carriedWords(data, async (item) => (await openSealed(item, keys, uid)).payload);

  /** @type {Line[]} */
  let lines = (data.lines || []).map((line) => ({
    ...line,
    title: words.get(line.id)?.title || carriedTitles.get(line.id)?.title || '',
    note: words.get(line.id)?.note || '',
  }));
  let version = data.version;
  let busy = false;

  // Unsaved changes are kept on this device, sealed with the account key (drafts.js), so
  // that nothing is lost to a failed save or a closed tab; they come back on the next open
  // while the stored agenda is still the version they started from. When it was saved
  // elsewhere since (another tab or device: the save here was refused), the stored agenda
  // wins and the lines added here (not among those the draft started from, `base`) are
  // kept at its end, to check and save: "open the page again" loses nothing.
  const draftKey = `agenda:${data.sid}`;
  const draft = await loadDraft(keys, uid, draftKey);
  /** The ids of the stored lines the changes here started from. */
  let base = lines.map((line) => line.id);
  const cleanLines = (kept) => kept.filter((line) => typeof line?.id === 'string' && typeof line?.source === 'string').map((line) => ({
    ...line,
    title: String(line.title ?? ''),
    note: String(line.note ?? ''),
    minutes: cleanMinutes(line.minutes),
  }));
  let restored = false;
  let merged = false;
  if (draft && draft.version === version && Array.isArray(draft.lines)) {
    lines = cleanLines(draft.lines);
    restored = true;
  } else if (draft && Array.isArray(draft.lines) && Array.isArray(draft.base)) {
    const known = new Set([...draft.base, ...base]);
    const added = cleanLines(draft.lines).filter((line) => !known.has(line.id));
    if (added.length) {
      lines = [...lines, ...added];
      merged = true;
    } else {
      await dropDraft(uid, draftKey);
    }
  } else if (draft) {
    await dropDraft(uid, draftKey);
  }
  /** @type {ReturnType<typeof setTimeout> | null} */
  let draftTimer = null;
  let draftWrite = Promise.resolve();
  function keepDraft() {
    if (draftTimer) clearTimeout(draftTimer);
    root.dataset.draft = 'pending';
    draftTimer = setTimeout(() => {
      draftTimer = null;
      const kept = { version, base, lines: lines.map((line) => ({ ...line })) };
      draftWrite = draftWrite
        .then(() => saveDraft(keys, uid, draftKey, kept))
        .then(() => {
          if (!draftTimer) root.dataset.draft = 'kept';
        })
        .catch((err) => console.warn('draft not kept', err));
    }, 250);
  }

  // -- the gathered items -------------------------------------------------------------------
  /** @type {Map<string, {source: string, title: string}>} */
  const gathered = new Map();
  const openedGroups = await openingGroups;
  const openedBy = Object.fromEntries(openedGroups);
  performance.mark('valitila:agenda-decrypted');
  const previous = previousValues([...openedBy.checkin, ...openedBy.earlier].map(({ item, payload }) => ({
    id: item.id, author: item.author, goal: item.links?.goal ?? null, at: item.created_at,
    value: payload ? checkinValue(payload) : null,
  })));
  const dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: 'medium', timeZone: timeZone() }); // one formatter for all
  for (const group of GROUPS) {
    const ul = /** @type {HTMLElement} */ (root.querySelector(`[data-candidates="${group}"]`));
    const fragment = document.createDocumentFragment(); // each list drawn at once
    for (const { item, payload } of openedBy[group]) {
      const title = payload === null ? t('decryptFailed') : candidateTitle(group, payload, { previous: previous.get(item.id), checkinLabel: t('agendaCheckin') });
      gathered.set(item.id, { source: group, title });
      const li = /** @type {HTMLElement} */ (/** @type {Element} */ (candidateTemplate.content.firstElementChild).cloneNode(true));
      li.dataset.candidate = item.id;
      /** @type {HTMLElement} */ (li.querySelector('[data-meta]')).textContent = `${names[item.author] || ''} · ${dateFormat.format(new Date(item.created_at))}`;
      /** @type {HTMLElement} */ (li.querySelector('[data-text]')).textContent = title;
      const add = /** @type {HTMLButtonElement} */ (li.querySelector('[data-add]'));
      add.disabled = payload === null;
      fragment.append(li);
    }
    if (!openedBy[group].length) fragment.append(emptyTemplate.content.cloneNode(true));
    ul.append(fragment);
    ul.removeAttribute('aria-busy');
  }
  const carriedList = /** @type {HTMLElement} */ (root.querySelector('[data-candidates="carried"]'));
  const carriedLines = lines.filter((line) => line.carried_from);
  for (const line of carriedLines) {
    const li = document.createElement('li');
    li.className = 'candidate';
    li.textContent = line.title || t('decryptFailed');
    carriedList.append(li);
  }
  if (!carriedLines.length) carriedList.append(emptyTemplate.content.cloneNode(true));
  carriedList.removeAttribute('aria-busy');

  // -- the lines ----------------------------------------------------------------------------
  function markAdded() {
    const onAgenda = new Set(lines.map((line) => line.source_id).filter(Boolean));
    for (const li of root.querySelectorAll('[data-candidate]')) {
      const el = /** @type {HTMLElement} */ (li);
      const added = onAgenda.has(el.dataset.candidate || '');
      /** @type {HTMLButtonElement} */ (el.querySelector('[data-add]')).hidden = added;
      /** @type {HTMLElement} */ (el.querySelector('[data-added]')).hidden = !added;
    }
  }

  function showTotal() {
    const box = timebox(lines, data.minutes);
    const head = t('agendaTotal').replace('{total}', String(box.total)).replace('{length}', String(box.length));
    const tail = box.over ? t('agendaOver').replace('{n}', String(-box.left)) : t('agendaLeft').replace('{n}', String(box.left));
    total.textContent = `${head} · ${tail}`;
    total.dataset.over = box.over ? 'true' : 'false';
    sheet.dataset.over = box.over ? 'true' : 'false';
  }

  /** After a change: the status, the total, and (when lines came or went) which gathered
   *  items are on the agenda. */
  function changed({ lines: linesChanged = false } = {}) {
    keepDraft();
    setStatus(sheet, t('agendaUnsaved'));
    showTotal();
    if (linesChanged) markAdded();
  }

  /** One line's element (its number is set by `number`; its fields are heard on the list). */
  function lineElement(line) {
    const li = /** @type {HTMLElement} */ (/** @type {Element} */ (lineTemplate.content.firstElementChild).cloneNode(true));
    li.dataset.line = line.id;
    li.dataset.source = line.source;
    const source = /** @type {HTMLElement} */ (li.querySelector('[data-source]'));
    source.textContent = line.carried_from ? `${t(`agendaSource_${line.source}`)} · ${t('agendaCarried')}` : t(`agendaSource_${line.source}`);
    const title = /** @type {HTMLInputElement} */ (li.querySelector('[data-title-input]'));
    title.id = `line-title-${line.id}`;
    /** @type {HTMLLabelElement} */ (li.querySelector('[data-title-label]')).htmlFor = title.id;
    title.value = line.title;
    const minutes = /** @type {HTMLInputElement} */ (li.querySelector('[data-minutes]'));
    minutes.id = `line-minutes-${line.id}`;
    /** @type {HTMLLabelElement} */ (li.querySelector('[data-minutes-label]')).htmlFor = minutes.id;
    minutes.value = String(line.minutes);
    return li;
  }

  /** Give a line's element its place: the labels' numbers, Up and Down at the ends. */
  function number(li, index) {
    const n = String(index + 1);
    /** @type {HTMLElement} */ (li.querySelector('[data-title-label]')).textContent = t('agendaTitleOf').replace('{n}', n);
    /** @type {HTMLElement} */ (li.querySelector('[data-minutes-label]')).textContent = t('agendaMinutesOf').replace('{n}', n);
    for (const which of li.querySelectorAll('[data-which]')) which.textContent = ` (${t('agendaLine').replace('{n}', n)})`;
    /** @type {HTMLButtonElement} */ (li.querySelector('[data-up]')).disabled = index === 0;
    /** @type {HTMLButtonElement} */ (li.querySelector('[data-down]')).disabled = index === lines.length - 1;
  }

  /** Draw every line anew (after an add or a remove). */
  function render() {
    const fragment = document.createDocumentFragment();
    lines.forEach((line, index) => {
      const li = lineElement(line);
      number(li, index);
      fragment.append(li);
    });
    list.replaceChildren(fragment);
    none.hidden = lines.length > 0;
    list.removeAttribute('aria-busy');
    showTotal();
    markAdded();
  }

  /** Move one line a place up or down: two elements swap, the rest stay as they are. */
  function move(index, delta) {
    const to = index + delta;
    const moved = moveLine(lines, index, delta);
    if (moved === lines) return;
    lines = moved;
    const items = list.children;
    const a = /** @type {HTMLElement} */ (items[Math.min(index, to)]);
    const b = /** @type {HTMLElement} */ (items[Math.max(index, to)]);
    list.insertBefore(b, a);
    number(b, Math.min(index, to));
    number(a, Math.max(index, to));
    const li = delta < 0 ? b : a;
    const button = /** @type {HTMLButtonElement} */ (li.querySelector(delta < 0 ? '[data-up]' : '[data-down]'));
    const other = /** @type {HTMLButtonElement} */ (li.querySelector(delta < 0 ? '[data-down]' : '[data-up]'));
    (button.disabled ? other : button).focus();
    changed();
    setStatus(sheet, `${t('agendaMoved').replace('{n}', String(to + 1))} ${t('agendaUnsaved')}`);
  }

  /** The line whose field an event came from, with the field. */
  function fieldOf(event) {
    const field = /** @type {HTMLInputElement} */ (event.target);
    const li = /** @type {HTMLElement|null} */ (field.closest('[data-line]'));
    const line = li ? lines.find((each) => each.id === li.dataset.line) : undefined;
    return line ? { field, line } : null;
  }

  list.addEventListener('input', (event) => {
    const found = fieldOf(event);
    if (!found) return;
    if (found.field.matches('[data-title-input]')) found.line.title = found.field.value;
    else if (found.field.matches('[data-minutes]')) found.line.minutes = cleanMinutes(found.field.value);
    else return;
    changed();
  });
  // Leaving a minutes field shows what is kept (0–480 whole minutes), not what was typed.
  list.addEventListener('change', (event) => {
    const found = fieldOf(event);
    if (found?.field.matches('[data-minutes]') && found.field.value !== String(found.line.minutes)) {
      found.field.value = String(found.line.minutes);
    }
  });

  list.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const li = /** @type {HTMLElement|null} */ (target.closest('[data-line]'));
    if (!li) return;
    const index = lines.findIndex((line) => line.id === li.dataset.line);
    if (index < 0) return;
    if (target.closest('[data-up]')) move(index, -1);
    else if (target.closest('[data-down]')) move(index, 1);
    else if (target.closest('[data-remove]')) {
      lines.splice(index, 1);
      render();
      changed();
      (/** @type {HTMLElement|null} */ (list.querySelector(`[data-line]:nth-child(${Math.min(index + 1, lines.length)}) [data-title-input]`)) || ownTitle).focus();
    }
  });

  root.querySelector('[data-gathered]')?.addEventListener('click', (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const li = /** @type {HTMLElement|null} */ (target.closest('[data-candidate]'));
    if (!li || !target.closest('[data-add]')) return;
    const id = li.dataset.candidate || '';
    const found = gathered.get(id);
    if (!found || lines.some((line) => line.source_id === id)) return;
    lines.push({ id: crypto.randomUUID(), source: found.source, source_id: id, minutes: 10, done: false, title: found.title, note: '' });
    render();
    changed();
    /** @type {HTMLElement|null} */ (li.querySelector('[data-added]'))?.setAttribute('tabindex', '-1');
    /** @type {HTMLElement|null} */ (li.querySelector('[data-added]'))?.focus();
  });

  ownForm.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors(ownForm);
    const value = ownTitle.value.trim();
    if (!value) {
      fieldError(ownTitle, t('agendaTitleMissing'));
      return;
    }
    lines.push({ id: crypto.randomUUID(), source: 'own', source_id: null, minutes: 10, done: false, title: value, note: '' });
    ownTitle.value = '';
    render();
    changed();
    ownTitle.focus();
  });

  // -- saving and sharing -------------------------------------------------------------------
  /** Seal the words (a new agenda item, or its next rev with the same key) and PUT it. */
  async function putWords(envelopesFor = null) {
    const first = sealed === null;
    const id = first ? crypto.randomUUID() : sealed.item.id;
    const dek = first ? newDek() : sealed.dek;
    const rev = first ? 1 : sealed.item.rev + 1;
    const sealedNow = await sealItem({ id, kind: 'agenda', rev, by: uid, payload: agendaPayload(lines), dek, signingKey: keys.ed25519 });
    /** @type {Record<string, any>} */
    const body = { kind: 'agenda', rev, sealed: sealedNow.sealed, sig: sealedNow.sig, process: data.pid };
    if (first) body.links = { session: data.sid };
    if (first || envelopesFor) {
      /** @type {Record<string, string>[]} */
      const envelopes = [await ownerEnvelope(keys.ak, dek, id, uid)];
      for (const member of envelopesFor || []) {
        if (member === uid) continue;
        const bundle = await bundleFor(member); // a changed key stops here: nothing is sent
        envelopes.push(await shareEnvelope(dek, id, member, bundle.x25519));
      }
      body.envelopes = envelopes;
    }
    const item = await api('PUT', `/items/${id}`, body);
    sealed = { item, dek };
  }

  /** A line left without words is refused before anything is sent (its field marked). */
  function checkTitles() {
    clearErrors(list);
    const untitled = lines.findIndex((line) => !line.title.trim());
    if (untitled < 0) return;
    fieldError(/** @type {HTMLInputElement} */ (list.querySelectorAll('[data-title-input]')[untitled]), t('agendaTitleMissing'));
    throw Object.assign(new Error('a line has no title'), { userMessage: t('agendaTitleMissing') });
  }

  async function save(envelopesFor = null) {
    checkTitles();
    await putWords(envelopesFor);
    const answer = await api('PUT', `/sessions/${data.sid}/agenda`, structureBody(version, sealed?.item.id, lines));
    version = answer.version;
    base = lines.map((line) => line.id);
    root.dataset.version = String(version);
    if (draftTimer) clearTimeout(draftTimer);
    draftTimer = null;
    await draftWrite;
    await dropDraft(uid, draftKey);
    root.dataset.draft = 'none';
    return answer;
  }

  async function run(action, done) {
    if (busy) return;
    busy = true;
    saveButton.disabled = true;
    shareButton.disabled = true;
    setStatus(sheet, t('saving'), 'busy');
    try {
      await action();
      setStatus(sheet, done, 'ok');
    } catch (err) {
      const code = /** @type {any} */ (err)?.code;
      // Changed elsewhere: this page's lines are kept as the draft now (another tab of this
      // device may have saved, and dropped the draft they shared), for the next open.
      // (The first save of another tab made the agenda's item: `agenda_item_exists`.)
      const changed = code === 'agenda_changed' || code === 'conflict' || code === 'agenda_item_exists';
      if (changed) keepDraft();
      const message =
        /** @type {any} */ (err)?.userMessage ||
        (changed ? t('agendaChanged') : /** @type {any} */ (err)?.name === 'PinError' ? t('agendaKeyChanged') : errorMessage(err));
      setStatus(sheet, message, 'error');
    } finally {
      busy = false;
      saveButton.disabled = false;
      shareButton.disabled = false;
    }
  }

  saveButton.addEventListener('click', () => run(() => save(), t('saved')));
  shareButton.addEventListener('click', () =>
    run(async () => {
      await save(data.members || []);
      const answer = await api('POST', `/sessions/${data.sid}/agenda/share`);
      data.shared = true;
      root.dataset.shared = 'true';
      // The page's own line says when, as the server writes it on the next open; the status
      // line only confirms the action (the same sentence twice read as a glitch).
      sharedState.textContent = sharedAt(answer?.shared_at);
      return answer;
    }, t('agendaSavedShared')),
  );

  render();
  if (restored) setStatus(sheet, t('agendaDraftRestored'));
  if (merged) {
    setStatus(sheet, t('agendaDraftMerged'), 'error');
    keepDraft(); // kept again, on top of the stored version
  }
  root.dataset.version = String(version);
  saveButton.disabled = false;
  shareButton.disabled = false;
  /** @type {HTMLButtonElement} */ (ownForm.querySelector('[type=submit]')).disabled = false;
  root.dataset.ready = 'true';
  // Everything gathered and every line opened and drawn (bench/agenda.py reads this).
  performance.mark('valitila:agenda-opened');
  performance.measure('valitila:open-agenda', 'valitila:agenda-start', 'valitila:agenda-opened');
  performance.measure('valitila:agenda-crypto', 'valitila:agenda-start', 'valitila:agenda-decrypted');
}

/**
 * "Shared with the participants <date, time>." in the page's language and the reader's time
 * zone (as the page says it when opened again).
 * @param {string | null | undefined} iso the agenda's shared_at
 */
function sharedAt(iso) {
  const when = new Date(iso ?? Date.now());
  if (Number.isNaN(when.getTime())) return t('agendaShared');
  const lang = document.documentElement.lang || 'fi';
  const format = new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'short', timeZone: timeZone() });
  return t('agendaSharedAt').replace('{when}', format.format(when));
}
