// The sealed editor: what every form that writes a sealed item needs, whatever its kind
// (entry, answer, topic, check-in, agenda, note). A behaviour gives it the form and how to
// read and fill its fields; the editor does the rest:
// - opens the item being edited (a newer version still in this device's outbox wins);
// - keeps a draft sealed with the account key on every change (one write at a time), and
//   before a lock, an update reload, pagehide and beforeunload; restores it on return; says
//   so quietly ("draft kept on this device"); a restored draft can be discarded (after a
//   confirmation; the sealed draft leaves the device); cancel leaves with the draft kept;
// - refuses an empty form (nothing written) with a message next to the main field, before
//   anything is sealed or queued;
// - on save seals and signs the payload with the item's DEK, queues it in the outbox and
//   sends it; then goes to the item with a short confirmation ("Saved") — also offline,
//   where the service worker shows it from the device, marked "not sent yet"; where it
//   cannot go, it says so in place (saving / saved / kept on this device / failed — retry);
// - text areas grow with their text (CSS field-sizing, with autogrow.js as the fallback);
// - on a conflict shows the conflict panel: both versions (409), with "keep mine", "keep the
//   saved one", "merge and edit" and "keep mine as a new item"; or, when the item was deleted
//   on another device (410), "keep mine as a new item" (fresh id, rev 1, a new DEK) or
//   "discard". Until the user chooses, the text is both in the outbox and in a sealed draft:
//   nothing typed is ever lost.
//
// Markup it expects inside `root` (data-kind, data-sealed for an existing item, data-show-url
// with ITEM_ID where a saved item is shown, data-done-url where "discard" goes):
//   the form's [data-status], [data-retry] and [type=submit]; the main field's error line
//   `#<field id>-error`; optionally a [data-cancel-edit] link (where cancel goes), a
//   [data-discard-draft] button with a [data-discard-dialog] <dialog> holding [data-keep]
//   and [data-confirm] buttons, and [data-conflict] with
//   [data-conflict-intro], [data-mine-title], [data-mine-body], [data-theirs-title],
//   [data-theirs-body] and the buttons [data-keep-mine], [data-keep-theirs], [data-merge],
//   [data-keep-as-new]; the panel's aria-labelledby names its heading.
import { newDek, ownerEnvelope, sealItem } from './crypto/envelope.js';
import { ApiError, api } from './api.js';
import { autoGrow } from './autogrow.js';
import { dropDraft, loadDraft, saveDraft } from './drafts.js';
import { t } from './i18n.js';
import * as keystore from './keystore.js';
import * as lifecycle from './lifecycle.js';
import { mergePayloads } from './merge.js';
import * as mirror from './mirror.js';
import { leaveNotice } from './notices.js';
import * as outbox from './outbox.js';
import { openSealed } from './sealed-items.js';
import { currentUid, requireKeys } from './session.js';
import { tagsOf, uniqueTags } from './tags.js';
import { fieldError, go, setStatus, statusLine } from './ui.js';

/** @typedef {import('./merge.js').Payload} Payload */

/**
 * @typedef {object} EditorView  what a behaviour tells the editor about its form
 * @property {HTMLFormElement} form
 * @property {() => Payload} read  the payload the form holds now
 * @property {(payload: Payload) => void} fill  put a payload into the form
 * @property {(mine: Payload, theirs: Payload) => Payload} [merge]  default: mergePayloads
 * @property {(payload: Payload) => {title: string, body: string, tags?: string[]}} [summary]  for the panel
 * @property {() => void} [focusAfterMerge]
 * @property {HTMLInputElement|HTMLTextAreaElement} [field]  the main field: an empty form's
 *   message goes next to it, and focus after a merge or a discarded draft (default: the
 *   form's first text area)
 * @property {(payload: Payload) => boolean} [isEmpty]  nothing written yet (default:
 *   every string blank, every list empty); such a form is never saved
 * @property {(item: {id: string, rev: number, dek: Uint8Array, owner: Record<string, string>}) =>
 *   Promise<{process?: string | null, links?: Record<string, string> | null,
 *   envelopes?: Record<string, string>[]}>} [item]  an item of a process (an answer to an
 *   assignment): its process and links, and, when the readers are chosen on each save, the
 *   full set of envelopes (`owner` is the author's own); default: no process or links, the
 *   author's own envelope on rev 1
 * @property {boolean} [stayOffline]  saved on this device with no network: say so in place
 *   instead of going to the item's page (a page the service worker does not keep offline)
 * @property {() => string | null} [check]  the form's own checks before a save: a message
 *   stops it (the view has marked its fields), null lets it go on
 */

// A 409 refusal that stands (api.js; not a stale rev) → the JS string the page says.
const REFUSALS = {
  evaluation_accepted: 'saveRefusedAccepted',
  revision_accepted: 'saveRefusedAccepted',
  process_ended: 'saveRefusedEnded',
};

const blank = (value) =>
  value === null || value === undefined || (typeof value === 'string' && !value.trim()) || (Array.isArray(value) && value.every(blank));

/** True when a payload holds nothing written: only blank strings and empty lists. */
export const isBlankPayload = (payload) => Object.values(payload || {}).every(blank);

const defaultSummary = (payload) => ({
  title: typeof payload.title === 'string' && payload.title ? payload.title : t('untitled'),
  body: typeof payload.body === 'string' ? payload.body : '',
  // Two versions may differ in their tags alone: the panel shows them too.
  tags: uniqueTags(tagsOf(payload)),
});

/**
 * Attach the sealed editor to `root`. Resolves once the editor is ready (or the page was
 * sent to unlock). Returns the editor's controls, or null when the keys are locked.
 * @param {HTMLElement} root
 * @param {EditorView} view
 */
export async function sealedEditor(root, view) {
  const { form } = view;
  const merge = view.merge || mergePayloads;
  const summary = view.summary || defaultSummary;
  const isEmpty = view.isEmpty || isBlankPayload;
  const mainField = view.field || /** @type {HTMLTextAreaElement|null} */ (form.querySelector('textarea'));
  const regrow = autoGrow(form);
  /** Put a payload into the form (and fit the text areas to it). */
  const fill = (payload) => {
    view.fill(payload);
    regrow();
  };
  /** @type {(() => void) | null} */
  let submitHandler = null;
  // Never let the form submit natively, even before the keys are ready.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitHandler?.();
  });
  // Text typed before the editor is ready (before its script ran, or while the keys are read
  // and the saved text opened) is not overwritten by that opening, nor by a draft restored:
  // the form keeps what the person typed, as a draft that can be discarded for the saved
  // version. Only their own typing counts (trusted input events), not a script's.
  const textFields = form.querySelectorAll('textarea, input:not([type]), input[type=text]');
  let typed = [...textFields].some((el) => /** @type {HTMLInputElement} */ (el).value !== /** @type {HTMLInputElement} */ (el).defaultValue);
  /** @param {Event} event */
  const noteTyping = (event) => {
    if (event.isTrusted) typed = true;
  };
  form.addEventListener('input', noteTyping);
  const keys = await requireKeys();
  if (!keys) return null;
  const uid = currentUid();
  const retry = /** @type {HTMLButtonElement} */ (form.querySelector('[data-retry]'));
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  const panel = conflictPanel(/** @type {HTMLElement|null} */ (root.querySelector('[data-conflict]')));
  const kind = root.dataset.kind || 'entry';
  let existing = root.dataset.sealed ? JSON.parse(root.dataset.sealed) : null;
  // A new item's draft is per page kind, or per what it belongs to (data-draft-key: the
  // assignment an answer answers).
  const draftKey = existing ? `item:${existing.id}` : root.dataset.draftKey || `new:${kind}`;
  let dirty = false;
  const state = {
    id: existing?.id || crypto.randomUUID(),
    serverRev: existing?.rev || 0,
    // The last revision this page queued: once the outbox has sent it (in the background,
    // back online) the server holds it, and the next save must come after it.
    queuedRev: 0,
    /** @type {Uint8Array|null} */
    dek: null,
    saving: false,
    // Text typed (or restored from a draft) and not saved yet. Said on the editor's element
    // too (data-unsaved, while the form holds any text), so that other parts of the page can
    // ask before they leave it (assignment-status.js).
    get dirty() {
      return dirty;
    },
    set dirty(value) {
      dirty = value;
      root.toggleAttribute('data-unsaved', value && !isEmpty(view.read()));
    },
  };
  /** @type {string|null} an item deleted elsewhere whose text this new-item page took in */
  let adopted = null;
  const showUrl = () => root.dataset.showUrl?.replace('ITEM_ID', state.id) || null;
  const status = (text, kindOfStatus = '') => setStatus(form, text, kindOfStatus);

  /** @type {Payload} what the form holds without a draft (the item as saved, or nothing) */
  let savedPayload = {};
  if (existing) {
    // A newer version written on this device (still in the outbox) wins over the page's.
    const local = await mirror.get(existing.id);
    if (local?.pending && local.rev > existing.rev) existing = local;
    try {
      const opened = await openSealed(existing, keys);
      state.dek = opened.dek;
      savedPayload = opened.payload;
      if (!typed) fill(opened.payload);
    } catch {
      status(t('decryptFailed'), 'error');
      return null;
    }
  } else {
    state.dek = newDek();
  }
  const draft = await loadDraft(keys, uid, draftKey);
  const fromDraft = !typed && Boolean(draft && (!existing || draft.itemId === existing.id) && !isEmpty(draft.payload || {}));
  form.removeEventListener('input', noteTyping);
  const keptTyping = typed && !isEmpty(view.read());
  const restored = fromDraft || keptTyping;
  if (fromDraft) {
    fill(draft.payload);
    if (!existing && draft.itemId) state.id = draft.itemId;
    if (!existing && draft.dek) state.dek = Uint8Array.from(draft.dek);
    if (!existing && typeof draft.adopted === 'string') adopted = draft.adopted;
    state.dirty = true;
    status(t('draftRestored'));
  }
  if (keptTyping) {
    if (!existing && draft?.itemId && draft.dek) {
      // The draft's item (and its key) stays this text's: saving it is the same item.
      state.id = draft.itemId;
      state.dek = Uint8Array.from(draft.dek);
    }
    state.dirty = true;
    status(t('draftRestored'));
  }

  // ------------------------------------------------------------------ drafts
  // The draft is sealed with the account key; a new item's DEK travels with it so that a
  // restored draft still belongs to the same (idempotent) item. An empty form keeps no
  // draft (there is nothing to restore).
  const keepDraft = async () => {
    const payload = view.read();
    if (isEmpty(payload)) {
      await dropDraft(uid, draftKey);
      return;
    }
    await saveDraft(keys, uid, draftKey, {
      itemId: state.id,
      payload,
      dek: existing ? undefined : Array.from(state.dek),
      adopted: adopted ?? undefined,
    });
  };
  // The quiet state line while writing: "draft kept on this device" once the typed text is
  // sealed on the device (never over a message that matters: saving, an error, a conflict).
  const quiet = () => ['', t('draftRestored'), t('draftDiscarded'), t('draftKept')];
  const showDraftKept = () => {
    const shown = statusLine(form)?.textContent ?? '';
    if (state.saving || !state.dirty || shown === t('draftKept') || !quiet().includes(shown)) return;
    status(isEmpty(view.read()) ? '' : t('draftKept'));
  };
  // Every change is sealed into the draft at once (a few ms), one write at a time, so a tab
  // closed or killed right after typing still finds the text on return.
  /** @type {Promise<void>|null} */
  let draftWrite = null;
  let draftAgain = false;
  const keepDraftSoon = () => {
    if (draftWrite) {
      draftAgain = true;
      return draftWrite;
    }
    draftWrite = keepDraft()
      .then(showDraftKept)
      .catch((err) => console.error('draft not kept', err))
      .finally(() => {
        draftWrite = null;
        const again = draftAgain && state.dirty;
        draftAgain = false;
        if (again) keepDraftSoon();
      });
    return draftWrite;
  };
  const settleDrafts = async () => {
    while (draftWrite) await draftWrite;
  };
  form.addEventListener('input', () => {
    state.dirty = true;
    keepDraftSoon();
  });
  // Before a lock or an update reload: seal the open text as a draft; the page may then be
  // left without a "Leave site?" prompt (the draft is restored on return).
  const flushDraft = async () => {
    await settleDrafts();
    if (state.dirty) await keepDraft();
    state.dirty = false;
  };
  keystore.beforeLock(flushDraft);
  lifecycle.beforeUpdate(flushDraft);
  window.addEventListener('pagehide', () => {
    if (state.dirty) keepDraft();
  });
  window.addEventListener('beforeunload', (event) => {
    if ((state.dirty && !isEmpty(view.read())) || state.saving) {
      keepDraft();
      event.preventDefault();
      event.returnValue = '';
    }
  });

  // ------------------------------------------------------------------ saving
  /** Start over as a new item: fresh id, rev 1, a new DEK (keep mine as new). */
  const becomeNew = () => {
    Object.assign(state, { id: crypto.randomUUID(), serverRev: 0, queuedRev: 0, dek: newDek() });
    existing = null;
  };

  async function queue(payload) {
    const rev = await outbox.nextRev(uid, state.id, Math.max(state.serverRev, state.queuedRev));
    const sealed = await sealItem({ id: state.id, kind, rev, by: uid, payload, dek: state.dek, signingKey: keys.ed25519 });
    const envelope = existing?.envelope ?? (await ownerEnvelope(keys.ak, state.dek, state.id, uid));
    const extra = view.item ? await view.item({ id: state.id, rev, dek: /** @type {Uint8Array} */ (state.dek), owner: envelope }) : {};
    /** @type {Record<string, any>} */
    const body = { kind, rev, sealed: sealed.sealed, sig: sealed.sig };
    if (extra.process) body.process = extra.process;
    if (extra.links) body.links = extra.links;
    if (extra.envelopes) body.envelopes = extra.envelopes;
    else if (rev === 1) body.envelopes = [envelope];
    const now = new Date().toISOString();
    await outbox.queuePut(uid, state.id, body, {
      id: state.id, kind, author: uid, rev, sealed: sealed.sealed, sig: sealed.sig, envelope,
      process: extra.process ?? null, links: extra.links ?? null, created_at: existing?.created_at || now, updated_at: now,
    });
    state.queuedRev = rev;
  }

  const leftFor = async (id) => (await outbox.pending(uid)).filter((op) => op.id === id);

  /** Show where the item's change stands after a sync. */
  async function report(payload, result) {
    const left = await leftFor(state.id);
    if (!left.length) {
      status(t('saved'), 'ok');
      retry.hidden = true;
      state.saving = false; // leaving now with nothing unsaved: no "Leave site?", no draft
      const url = showUrl();
      if (url) {
        leaveNotice('saved', url);
        go(url);
      }
    } else if (left.some((op) => op.conflict)) {
      await showConflict(payload);
    } else if (left.some((op) => op.error?.status === 409)) {
      await showRefused(payload, left.find((op) => op.error?.status === 409).error.code);
    } else if (left.some((op) => op.error)) {
      status(t('saveFailed'), 'error');
      retry.hidden = false;
    } else if (result?.loginRequired) {
      status(t('signInToSend'), 'ok');
      retry.hidden = false;
    } else {
      // Saved on this device; the outbox sends it when the network is back (nothing failed:
      // no retry). With no network at all the service worker shows the item from the device,
      // as an online save would show it; otherwise (no worker, or the server is down) the
      // page says so in place.
      retry.hidden = true;
      state.saving = false;
      const url = showUrl();
      if (url && !view.stayOffline && result?.unreachable && navigator.serviceWorker?.controller) {
        leaveNotice('savedLocally', url);
        go(url);
      } else {
        status(t('savedLocally'), 'ok');
      }
    }
  }

  async function save(payload) {
    state.saving = true;
    submit.disabled = true;
    retry.hidden = true;
    status(t('saving'), 'busy');
    try {
      await queue(payload);
      if (adopted) {
        // The text of an item deleted elsewhere now lives on in this one: its old change goes.
        await forgetMine(adopted);
        adopted = null;
      }
      state.dirty = false;
      await settleDrafts(); // a draft write in flight must not outlive dropDraft
      await dropDraft(uid, draftKey);
      await report(payload, await outbox.sync(uid));
    } catch (err) {
      console.error('save failed', err);
      state.dirty = true;
      await keepDraft();
      status(t('saveFailed'), 'error');
      retry.hidden = false;
    } finally {
      state.saving = false;
      submit.disabled = false;
    }
  }

  // ------------------------------------------------------------------ conflicts
  /** Drop the item's queued change and its pending copy (the user chose). */
  async function forgetMine(id) {
    await outbox.resolve(uid, id);
    await mirror.forget(id);
  }

  /** The item is gone on the server: offer to keep the text as a new item, or discard it. */
  async function showDeleted(mine, orphanId = state.id) {
    if (!panel) {
      // No panel on this page: never lose the text, keep it as a new item at once.
      await forgetMine(orphanId);
      becomeNew();
      await save(mine);
      return;
    }
    fill(mine);
    if (orphanId === state.id) {
      state.dirty = true;
      await keepDraft(); // until the user chooses, the text is in a sealed draft too
    } else {
      // A new-item page took in the text of an item deleted elsewhere: it stays in the
      // outbox until saved here (edited or not) or discarded; never both.
      adopted = orphanId;
    }
    panel.showDeleted(summary(mine));
    status(t('deletedConflict'), 'error');
    panel.on({
      keepAsNew: async () => {
        if (orphanId === state.id) {
          await forgetMine(orphanId);
          becomeNew();
        }
        await save(mine); // an adopted orphan is dropped once its text is queued anew
      },
      discard: async () => {
        adopted = null;
        await forgetMine(orphanId);
        if (orphanId !== state.id) {
          fill({}); // the new-item page stays, empty, for what the user came to write
          status('');
          return;
        }
        state.dirty = false;
        await settleDrafts();
        await dropDraft(uid, draftKey);
        go(root.dataset.doneUrl || '/');
      },
    });
  }

  async function showConflict(mine) {
    // Until the user chooses, their text is both in the outbox (as a conflict) and in a
    // sealed draft, so closing the page loses nothing; the panel shows again on reopening.
    const conflict = await outbox.conflictOf(uid, state.id);
    if (conflict?.deleted) return showDeleted(mine);
    fill(mine);
    state.dirty = true;
    await keepDraft();
    let stored;
    try {
      stored = await api('GET', `/items/${state.id}`);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.deleted)) return showDeleted(mine);
      status(t('savedLocally'), 'ok');
      retry.hidden = false;
      return;
    }
    const { payload: theirs } = await openSealed(stored, keys);
    if (!panel) {
      status(t('conflict'), 'error');
      return;
    }
    panel.showBoth(summary(mine), summary(theirs));
    status(t('conflict'), 'error');
    // The choice decides what is sent: drop the conflicted change, start from the server's
    // version (the rejected local one must not stay "pending" in the mirror).
    const startFromStored = async () => {
      await forgetMine(state.id);
      await mirror.remember(uid, [stored]);
      state.serverRev = stored.rev;
      existing = stored;
    };
    panel.on({
      keepMine: async () => {
        await startFromStored();
        await save(mine);
      },
      keepTheirs: async () => {
        await startFromStored();
        state.dirty = false;
        await settleDrafts();
        await dropDraft(uid, draftKey);
        const url = showUrl();
        if (url) go(url);
        else fill(theirs);
      },
      keepAsNew: async () => {
        await startFromStored();
        becomeNew();
        await save(mine);
      },
      merge: async () => {
        await startFromStored();
        fill(merge(mine, theirs));
        state.dirty = true;
        keepDraft();
        status(t('mergeHint'));
        view.focusAfterMerge?.();
      },
    });
  }

  /**
   * The server refused the change for good (409 with a code other than `conflict`: the
   * evaluation was accepted meanwhile, the process has ended): sending it again cannot help.
   * The text stays in the form and as a sealed draft on this device, the queued change goes
   * (and with it the unsent version in the device's copy), and the page says why.
   */
  async function showRefused(mine, code) {
    fill(mine);
    state.dirty = true;
    await keepDraft();
    await forgetMine(state.id);
    try {
      // The device's copy goes back to what the server holds (a new item: nothing).
      if (existing) await mirror.remember(uid, [await api('GET', `/items/${state.id}`)]);
      else await mirror.forget(state.id);
    } catch (err) {
      console.error('the stored version was not read again', err);
    }
    retry.hidden = true;
    status(t(REFUSALS[code] ?? 'saveRefused'), 'error');
  }

  /** Open the newest queued text of a conflicted item (sealed in the outbox). */
  async function queuedText(conflict) {
    const local = (await mirror.get(conflict.id)) || existing;
    if (!local || !conflict.body) return null;
    const mine = { ...local, rev: conflict.bodyRev, sealed: conflict.body.sealed, sig: conflict.body.sig };
    return (await openSealed(mine, keys)).payload;
  }

  // ------------------------------------------------------------------ wiring
  // When the outbox sends this item later (back online), say so.
  window.addEventListener('valitila:outbox', async () => {
    const shown = statusLine(form)?.textContent;
    if (state.saving || (shown !== t('savedLocally') && shown !== t('signInToSend'))) return;
    if (!(await leftFor(state.id)).length) {
      status(t('saved'), 'ok');
      retry.hidden = true;
    }
  });
  // An empty form is refused here, before anything is sealed or queued: the message goes
  // next to the main field (aria-invalid, described by the message, focused).
  const emptyError = mainField && document.getElementById(`${mainField.id}-error`);
  if (mainField && emptyError) {
    const described = (mainField.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    if (!described.includes(emptyError.id)) mainField.setAttribute('aria-describedby', [...described, emptyError.id].join(' '));
  }
  const clearEmptyError = () => {
    if (!mainField?.hasAttribute('aria-invalid')) return;
    mainField.removeAttribute('aria-invalid');
    if (emptyError) {
      emptyError.textContent = '';
      emptyError.hidden = true;
    }
  };
  form.addEventListener('input', () => {
    if (!isEmpty(view.read())) clearEmptyError();
  });
  submitHandler = () => {
    if (state.saving) return;
    const problem = view.check?.() ?? null;
    if (problem) {
      status(problem, 'error');
      return;
    }
    const payload = view.read();
    if (isEmpty(payload)) {
      status('');
      if (mainField) fieldError(mainField, t('emptyEntry'));
      else status(t('emptyEntry'), 'error');
      return;
    }
    save(payload);
  };

  // Cancel: leave for where the link goes, the text kept as a sealed draft (no "Leave
  // site?"); the next page says the draft is kept.
  const cancel = /** @type {HTMLAnchorElement|null} */ (root.querySelector('[data-cancel-edit]'));
  cancel?.addEventListener('click', async (event) => {
    event.preventDefault();
    if (state.saving) return;
    const target = cancel.getAttribute('href') || root.dataset.doneUrl || '/';
    const kept = state.dirty && !isEmpty(view.read()); // the draft flushDraft keeps
    await flushDraft();
    if (kept) leaveNotice('draftLeft', target);
    go(target);
  });

  // Discard a restored draft (after a confirmation): the sealed draft leaves the device and
  // the form goes back to the item as saved (or empty).
  const discardButton = /** @type {HTMLButtonElement|null} */ (root.querySelector('[data-discard-draft]'));
  const discardDialog = /** @type {HTMLDialogElement|null} */ (root.querySelector('[data-discard-dialog]'));
  async function discardDraft() {
    state.dirty = false;
    await settleDrafts();
    await dropDraft(uid, draftKey);
    if (!existing) {
      Object.assign(state, { id: crypto.randomUUID(), dek: newDek() });
      adopted = null;
    }
    fill(savedPayload);
    clearEmptyError();
    if (discardButton) discardButton.hidden = true;
    status(t('draftDiscarded'));
    mainField?.focus();
  }
  if (discardButton) {
    discardButton.hidden = !restored;
    discardButton.addEventListener('click', () => {
      if (discardDialog) discardDialog.showModal();
      else if (window.confirm(t('discardDraftConfirm'))) discardDraft();
    });
  }
  if (discardDialog) {
    discardDialog.querySelector('[data-keep]')?.addEventListener('click', () => discardDialog.close());
    discardDialog.querySelector('[data-confirm]')?.addEventListener('click', async () => {
      discardDialog.close();
      await discardDraft();
    });
  }
  retry.addEventListener('click', async () => {
    retry.hidden = true;
    if (!(await leftFor(state.id)).length) {
      // Nothing of this item waits in the outbox: the save failed before the change was
      // sealed and queued (offline, the readers' keys could not be fetched). Save the form
      // again; sending the empty outbox would only say "saved".
      submitHandler();
      return;
    }
    status(t('saving'), 'busy');
    await report(view.read(), await outbox.retry(uid));
  });
  submit.disabled = false; // ready: keys open, text restored

  // A conflict found while this page was closed (a background sync) shows now.
  try {
    if (existing) {
      const conflict = await outbox.conflictOf(uid, existing.id);
      const mine = conflict && (await queuedText(conflict));
      if (mine) await showConflict(mine);
    } else if (!draft) {
      // A new-item page also takes in text whose item was deleted elsewhere: its own page
      // is gone, and the text must not wait in the outbox forever.
      const [orphan] = await outbox.deletedConflicts(uid, kind);
      const conflict = orphan && (await outbox.conflictOf(uid, orphan));
      const mine = conflict && (await queuedText(conflict));
      if (mine) await showDeleted(mine, orphan);
    }
  } catch (err) {
    console.error('conflict not shown', err);
    status(t('conflict'), 'error');
  }

  return { save, state };
}

/**
 * The conflict panel's view: shows both versions, or the deleted-elsewhere choice, and runs
 * the chosen handler once (the panel hides first).
 * @param {HTMLElement|null} el
 */
function conflictPanel(el) {
  if (!el) return null;
  const $ = (selector) => /** @type {HTMLElement|null} */ (el.querySelector(selector));
  const heading = el.getAttribute('aria-labelledby') ? document.getElementById(el.getAttribute('aria-labelledby')) : null;
  const intro = $('[data-conflict-intro]');
  const theirs = $('[data-theirs-title]')?.closest('section');
  const buttons = {
    keepMine: $('[data-keep-mine]'),
    keepTheirs: $('[data-keep-theirs]'),
    merge: $('[data-merge]'),
    keepAsNew: $('[data-keep-as-new]'),
  };
  // The template's own words, put back when a later conflict is an ordinary one.
  const original = {
    heading: heading?.textContent,
    intro: intro?.textContent,
    keepTheirs: buttons.keepTheirs?.textContent,
  };
  const put = (selector, text) => {
    const node = $(selector);
    if (node) node.textContent = text;
  };
  /** A version's tags line (its label is the template's), hidden when it has none. */
  const putTags = (selector, tags) => {
    const node = $(selector);
    const list = node?.querySelector('[data-tag-list]');
    if (!node || !list) return;
    list.textContent = (tags || []).join(', ');
    node.hidden = !tags?.length;
  };
  const open = () => {
    el.hidden = false;
    el.focus();
  };
  return {
    /** 409: both versions side by side, every choice offered. */
    showBoth(mine, stored) {
      if (heading && original.heading) heading.textContent = original.heading;
      if (intro && original.intro) intro.textContent = original.intro;
      if (buttons.keepTheirs && original.keepTheirs) buttons.keepTheirs.textContent = original.keepTheirs;
      if (theirs) theirs.hidden = false;
      for (const button of Object.values(buttons)) if (button) button.hidden = false;
      put('[data-mine-title]', mine.title);
      put('[data-mine-body]', mine.body);
      putTags('[data-mine-tags]', mine.tags);
      put('[data-theirs-title]', stored.title);
      put('[data-theirs-body]', stored.body);
      putTags('[data-theirs-tags]', stored.tags);
      open();
    },
    /** 410: the item is gone; keep my text as a new item, or discard it. */
    showDeleted(mine) {
      if (heading) heading.textContent = t('deletedConflictTitle');
      if (intro) intro.textContent = t('deletedConflictText');
      if (theirs) theirs.hidden = true;
      if (buttons.keepMine) buttons.keepMine.hidden = true;
      if (buttons.merge) buttons.merge.hidden = true;
      if (buttons.keepTheirs) buttons.keepTheirs.textContent = t('discardMine');
      put('[data-mine-title]', mine.title);
      put('[data-mine-body]', mine.body);
      putTags('[data-mine-tags]', mine.tags);
      open();
    },
    /**
     * Run the handler of the button chosen (once; the panel hides first). "Discard" is the
     * keep-the-saved-one button of the deleted view.
     * @param {{keepMine?: Function, keepTheirs?: Function, merge?: Function, keepAsNew?: Function, discard?: Function}} handlers
     */
    on(handlers) {
      const chosen = { ...handlers, keepTheirs: handlers.keepTheirs || handlers.discard };
      for (const [name, button] of Object.entries(buttons)) {
        if (!button) continue;
        const handler = chosen[name];
        button.onclick = handler
          ? async () => {
              el.hidden = true;
              for (const other of Object.values(buttons)) if (other) other.onclick = null;
              await handler();
            }
          : null;
      }
    },
  };
}
