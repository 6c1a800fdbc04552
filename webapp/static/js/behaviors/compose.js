// data-js-compose: write or edit a sealed reflection. Seals in the browser, saves with a
// clear state (saving / saved / failed — retry), keeps a sealed draft on the device while
// typing, and on a conflict (409) shows both versions so nothing typed is ever lost.
import { api } from '../api.js';
import { newDek, ownerEnvelope, sealItem } from '../crypto/envelope.js';
import { dropDraft, loadDraft, saveDraft } from '../drafts.js';
import { t } from '../i18n.js';
import * as keystore from '../keystore.js';
import { currentUid, requireKeys } from '../session.js';
import { errorMessage, go, setStatus } from '../ui.js';
import { openSealed } from './sealed.js';

const DRAFT_DELAY = 800;

function newId() {
  return crypto.randomUUID();
}

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

function merge(mine, theirs) {
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
  const existing = root.dataset.sealed ? JSON.parse(root.dataset.sealed) : null;
  const draftKey = existing ? `item:${existing.id}` : `new:${kind}`;
  const state = { id: existing?.id || newId(), rev: existing?.rev || 0, dek: null, dirty: false, saving: false };

  if (existing) {
    try {
      const opened = await openSealed(existing, keys);
      state.dek = opened.dek;
      fillForm(form, opened.payload);
    } catch {
      setStatus(form, t('decryptFailed'), 'error');
      submit.disabled = true;
      return;
    }
  } else {
    state.dek = newDek();
  }
  const draft = await loadDraft(keys, uid, draftKey);
  if (draft && (!existing || draft.itemId === existing.id)) {
    fillForm(form, draft.payload);
    if (!existing && draft.itemId) state.id = draft.itemId; // a retried create stays idempotent
    state.dirty = true;
    setStatus(form, t('draftRestored'), '');
  }

  let draftTimer = null;
  const keepDraft = () => saveDraft(keys, uid, draftKey, { itemId: state.id, rev: state.rev, payload: readForm(form) });
  form.addEventListener('input', () => {
    state.dirty = true;
    clearTimeout(draftTimer);
    draftTimer = setTimeout(keepDraft, DRAFT_DELAY);
  });
  keystore.beforeLock(async () => {
    if (state.dirty) await keepDraft();
  });
  window.addEventListener('beforeunload', (event) => {
    if (state.dirty || state.saving) {
      keepDraft();
      event.preventDefault();
      event.returnValue = '';
    }
  });

  async function save(payload, rev) {
    state.saving = true;
    submit.disabled = true;
    retry.hidden = true;
    setStatus(form, t('saving'), 'busy');
    const created = state.rev === 0;
    try {
      const sealed = await sealItem({ id: state.id, kind, rev, by: uid, payload, dek: state.dek, signingKey: keys.ed25519 });
      const body = { kind, rev, sealed: sealed.sealed, sig: sealed.sig };
      if (created) body.envelopes = [await ownerEnvelope(keys.ak, state.dek, state.id, uid)];
      await api('PUT', `/items/${state.id}`, body);
      state.rev = rev;
      state.dirty = false;
      clearTimeout(draftTimer);
      await dropDraft(uid, draftKey);
      setStatus(form, t('saved'), 'ok');
      go(root.dataset.showUrl.replace('ITEM_ID', state.id));
    } catch (err) {
      if (err?.status === 409) {
        await showConflict(payload);
      } else if (err?.status === 404 && !created) {
        // Deleted on another device meanwhile: keep the text as a new reflection.
        Object.assign(state, { id: newId(), rev: 0, dek: newDek() });
        state.saving = false;
        return save(payload, 1);
      } else {
        await keepDraft();
        setStatus(form, `${t('saveFailed')} ${errorMessage(err)}`, 'error');
        retry.hidden = false;
      }
    } finally {
      state.saving = false;
      submit.disabled = false;
    }
  }

  async function showConflict(mine) {
    await keepDraft();
    const stored = await api('GET', `/items/${state.id}`);
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
    const choose = (handler) => () => {
      conflict.hidden = true;
      handler();
    };
    conflict.querySelector('[data-keep-mine]').onclick = choose(() => save(mine, stored.rev + 1));
    conflict.querySelector('[data-keep-theirs]').onclick = choose(async () => {
      state.dirty = false;
      await dropDraft(uid, draftKey);
      go(root.dataset.showUrl.replace('ITEM_ID', state.id));
    });
    conflict.querySelector('[data-merge]').onclick = choose(() => {
      fillForm(form, merge(mine, theirs));
      state.rev = stored.rev;
      state.dirty = true;
      keepDraft();
      setStatus(form, t('mergeHint'), '');
      form.elements.body.focus();
    });
    state.rev = stored.rev;
  }

  submitHandler = () => {
    if (!state.saving) save(readForm(form), state.rev + 1);
  };
  submit.disabled = false; // ready: keys open, text restored

  retry.addEventListener('click', () => save(readForm(form), state.rev + 1));
}
