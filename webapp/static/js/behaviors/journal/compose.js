// data-js-compose: write or edit a sealed reflection. Seals in the browser and queues the
// sealed change in the outbox, which sends it now or as soon as the network allows; the
// state is always visible (saving / saved / waiting on this device / failed — retry).
// A sealed draft is kept on the device while typing; a conflict (409) shows both versions
// so that nothing typed is ever lost.
import { newDek, ownerEnvelope, sealItem } from '../../crypto/envelope.js';
import { api } from '../../api.js';
import { dropDraft, loadDraft, saveDraft } from '../../drafts.js';
import { t } from '../../i18n.js';
import * as keystore from '../../keystore.js';
import * as lifecycle from '../../lifecycle.js';
import * as mirror from '../../mirror.js';
import * as outbox from '../../outbox.js';
import { currentUid, requireKeys } from '../../session.js';
import { go, setStatus } from '../../ui.js';
import { openSealed } from '../../sealed-items.js';

function readForm(form) {
  const tags = form.elements.tags.value
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean);
  return { title: form.elements.title.value.trim(), body: form.elements.body.value, tags: [...new Set(tags)] };
}

function fillForm(form, payload) {
  form.elements.title.value = typeof payload.title === 'string' ? payload.title : '';
  form.elements.body.value = typeof payload.body === 'string' ? payload.body : '';
  form.elements.tags.value = Array.isArray(payload.tags) ? payload.tags.join(', ') : '';
}

export function merge(mine, theirs) {
  const title = mine.title === theirs.title || !theirs.title ? mine.title : mine.title ? `${mine.title} / ${theirs.title}` : theirs.title;
  const body = mine.body === theirs.body ? mine.body : `${mine.body}\n\n— — —\n\n${theirs.body || ''}`;
  return { title, body, tags: [...new Set([...(mine.tags || []), ...(theirs.tags || [])])] };
}

export default async function compose(root) {
  const form = root.querySelector('[data-compose-form]');
  let submitHandler = null;
  // Never let the form submit natively, even before the keys are ready.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitHandler?.();
  });
  const keys = await requireKeys();
  if (!keys) return;
  const uid = currentUid();
  const retry = form.querySelector('[data-retry]');
  const submit = form.querySelector('[type=submit]');
  const conflict = root.querySelector('[data-conflict]');
  const kind = root.dataset.kind || 'entry';
  let existing = root.dataset.sealed ? JSON.parse(root.dataset.sealed) : null;
  const draftKey = existing ? `item:${existing.id}` : `new:${kind}`;
  const state = { id: existing?.id || crypto.randomUUID(), serverRev: existing?.rev || 0, dek: null, dirty: false, saving: false };
  const showUrl = () => root.dataset.showUrl.replace('ITEM_ID', state.id);

  if (existing) {
    // A newer version written on this device (still in the outbox) wins over the page's.
    const local = await mirror.get(existing.id);
    if (local?.pending && local.rev > existing.rev) existing = local;
    try {
      const opened = await openSealed(existing, keys);
      state.dek = opened.dek;
      fillForm(form, opened.payload);
    } catch {
      setStatus(form, t('decryptFailed'), 'error');
      return;
    }
  } else {
    state.dek = newDek();
  }
  const draft = await loadDraft(keys, uid, draftKey);
  if (draft && (!existing || draft.itemId === existing.id)) {
    fillForm(form, draft.payload);
    if (!existing && draft.itemId) state.id = draft.itemId;
    if (!existing && draft.dek) state.dek = Uint8Array.from(draft.dek);
    state.dirty = true;
    setStatus(form, t('draftRestored'), '');
  }

  // The draft is sealed with the account key; a new entry's DEK travels with it so that a
  // restored draft still belongs to the same (idempotent) item.
  const keepDraft = () =>
    saveDraft(keys, uid, draftKey, {
      itemId: state.id,
      payload: readForm(form),
      dek: existing ? undefined : Array.from(state.dek),
    });
  // Every change is sealed into the draft at once (a few ms), one write at a time, so a tab
  // closed or killed right after typing still finds the text on return.
  let draftWrite = null;
  let draftAgain = false;
  const keepDraftSoon = () => {
    if (draftWrite) {
      draftAgain = true;
      return draftWrite;
    }
    draftWrite = keepDraft()
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
    if (state.dirty || state.saving) {
      keepDraft();
      event.preventDefault();
      event.returnValue = '';
    }
  });

  async function queue(payload) {
    const rev = await outbox.nextRev(uid, state.id, state.serverRev);
    const sealed = await sealItem({ id: state.id, kind, rev, by: uid, payload, dek: state.dek, signingKey: keys.ed25519 });
    const envelope = existing?.envelope ?? (await ownerEnvelope(keys.ak, state.dek, state.id, uid));
    const body = { kind, rev, sealed: sealed.sealed, sig: sealed.sig };
    if (rev === 1) body.envelopes = [envelope];
    const now = new Date().toISOString();
    await outbox.queuePut(uid, state.id, body, {
      id: state.id, kind, author: uid, rev, sealed: sealed.sealed, sig: sealed.sig, envelope,
      process: null, links: null, created_at: existing?.created_at || now, updated_at: now,
    });
  }

  async function save(payload) {
    state.saving = true;
    submit.disabled = true;
    retry.hidden = true;
    setStatus(form, t('saving'), 'busy');
    try {
      await queue(payload);
      state.dirty = false;
      await settleDrafts(); // a draft write in flight must not outlive dropDraft
      await dropDraft(uid, draftKey);
      await outbox.sync(uid);
      const left = (await outbox.pending(uid)).filter((op) => op.id === state.id);
      if (!left.length) {
        setStatus(form, t('saved'), 'ok');
        state.saving = false; // leaving now with nothing unsaved: no "Leave site?", no draft
        go(showUrl());
      } else if (left.some((op) => op.conflict)) {
        await showConflict(payload);
      } else if (left.some((op) => op.error)) {
        setStatus(form, t('saveFailed'), 'error');
        retry.hidden = false;
      } else {
        setStatus(form, t('savedLocally'), 'ok');
        retry.hidden = false;
      }
    } catch {
      state.dirty = true;
      await keepDraft();
      setStatus(form, t('saveFailed'), 'error');
      retry.hidden = false;
    } finally {
      state.saving = false;
      submit.disabled = false;
    }
  }

  async function showConflict(mine) {
    // Until the user chooses, their text is both in the outbox (as a conflict) and in a
    // sealed draft, so closing the page loses nothing; the panel shows again on reopening.
    fillForm(form, mine);
    state.dirty = true;
    await keepDraft();
    let stored;
    try {
      stored = await api('GET', `/items/${state.id}`);
    } catch (err) {
      if (err?.status === 404) {
        // Deleted on another device meanwhile: keep the text as a new reflection.
        await outbox.resolve(uid, state.id);
        await mirror.forget(state.id);
        Object.assign(state, { id: crypto.randomUUID(), serverRev: 0, dek: newDek() });
        existing = null;
        await save(mine);
        return;
      }
      setStatus(form, t('savedLocally'), 'ok');
      return;
    }
    const { payload: theirs } = await openSealed(stored, keys);
    const put = (sel, text) => {
      conflict.querySelector(sel).textContent = text;
    };
    put('[data-mine-title]', mine.title || t('untitled'));
    put('[data-mine-body]', mine.body);
    put('[data-theirs-title]', theirs.title || t('untitled'));
    put('[data-theirs-body]', theirs.body || '');
    setStatus(form, t('conflict'), 'error');
    conflict.hidden = false;
    conflict.focus();
    const choose = (handler) => async () => {
      conflict.hidden = true;
      // The choice decides what is sent: drop the conflicted change, start from the
      // server's version (the rejected local one must not stay "pending" in the mirror).
      await outbox.resolve(uid, state.id);
      await mirror.forget(state.id);
      await mirror.remember(uid, [stored]);
      state.serverRev = stored.rev;
      existing = stored;
      await handler();
    };
    conflict.querySelector('[data-keep-mine]').onclick = choose(() => save(mine));
    conflict.querySelector('[data-keep-theirs]').onclick = choose(async () => {
      state.dirty = false;
      await dropDraft(uid, draftKey);
      go(showUrl());
    });
    conflict.querySelector('[data-keep-as-new]').onclick = choose(async () => {
      Object.assign(state, { id: crypto.randomUUID(), serverRev: 0, dek: newDek() });
      existing = null;
      await save(mine);
    });
    conflict.querySelector('[data-merge]').onclick = choose(() => {
      fillForm(form, merge(mine, theirs));
      state.dirty = true;
      keepDraft();
      setStatus(form, t('mergeHint'), '');
      form.elements.body.focus();
    });
  }

  // When the outbox sends this item later (back online), say so.
  window.addEventListener('valitila:outbox', async () => {
    if (state.saving || form.querySelector('[data-status]')?.textContent !== t('savedLocally')) return;
    const left = (await outbox.pending(uid)).filter((op) => op.id === state.id);
    if (!left.length) {
      setStatus(form, t('saved'), 'ok');
      retry.hidden = true;
    }
  });
  submitHandler = () => {
    if (!state.saving) save(readForm(form));
  };
  retry.addEventListener('click', async () => {
    retry.hidden = true;
    setStatus(form, t('saving'), 'busy');
    await outbox.retry(uid);
    const left = (await outbox.pending(uid)).filter((op) => op.id === state.id);
    if (!left.length) go(showUrl());
    else if (left.some((op) => op.conflict)) await showConflict(readForm(form));
    else {
      setStatus(form, t('savedLocally'), 'ok');
      retry.hidden = false;
    }
  });
  submit.disabled = false; // ready: keys open, text restored
  const conflicted = existing && (await outbox.pending(uid)).find((op) => op.id === existing.id && op.conflict && op.body);
  if (conflicted) {
    const mine = { ...existing, rev: conflicted.rev, sealed: conflicted.body.sealed, sig: conflicted.body.sig };
    try {
      await showConflict((await openSealed(mine, keys)).payload);
    } catch {
      setStatus(form, t('conflict'), 'error');
    }
  }
}
