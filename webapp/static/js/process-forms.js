// What the process pages' forms share: sealing a process's name (kind "title", process =
// pid: a new item with the author's own envelope, or the next revision with the same key),
// reading the schedule frame from a form, and showing an API refusal next to its field.
// The name leaves this device only sealed.
import { ApiError, api } from './api.js';
import { newDek, ownerEnvelope, sealItem } from './crypto/envelope.js';
import { t } from './i18n.js';
import { errorMessage, fieldError, setStatus } from './ui.js';

/**
 * The PUT body of a name. `state` is kept by the caller across retries: the same sealed body
 * is sent again (the server answers a repeated write like the first one).
 * @param {{id: string, rev: number, dek: Uint8Array, body?: any, name?: string}} state
 * @param {string} name
 * @param {string} pid
 * @param {{ak: CryptoKey, ed25519: CryptoKey}} keys
 * @param {string} uid
 */
export async function nameBody(state, name, pid, keys, uid) {
  if (state.body && state.name === name) return state.body;
  const sealed = await sealItem({ id: state.id, kind: 'title', rev: state.rev, by: uid, payload: { title: name }, dek: state.dek, signingKey: keys.ed25519 });
  /** @type {Record<string, any>} */
  const body = { kind: 'title', rev: state.rev, sealed: sealed.sealed, sig: sealed.sig, process: pid };
  if (state.rev === 1) body.envelopes = [await ownerEnvelope(keys.ak, state.dek, state.id, uid)];
  Object.assign(state, { body, name });
  return body;
}

/** A fresh name item's state. */
export function newNameState() {
  return { id: crypto.randomUUID(), rev: 1, dek: newDek() };
}

/** Send a name; resolves to the stored item. */
export async function putName(state, name, pid, keys, uid) {
  const body = await nameBody(state, name, pid, keys, uid);
  return api('PUT', `/items/${state.id}`, body);
}

/** The frame's numeric fields (a form's defaults fill them). */
export const FRAME = ['session_minutes', 'interval_days', 'session_count'];

/** The frame fields of a form as the API takes them (empty dates left out). */
export function readFrame(form) {
  const value = (name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name))?.value ?? '';
  /** @type {Record<string, any>} */
  const frame = { mode: value('mode') };
  for (const name of FRAME) frame[name] = Number(value(name));
  for (const name of ['starts_on', 'ends_on']) frame[name] = value(name) || null;
  return frame;
}

/** Show a 400's message next to its field when the form has one, else in the status line. */
export function showApiError(form, err) {
  const field = err instanceof ApiError ? String(err.body?.error?.field || '') : '';
  const input = field && /** @type {HTMLInputElement|null} */ (form.querySelector(`#${CSS.escape(field)}`));
  if (err?.status === 400 && input) {
    fieldError(input, t('badInput'));
    setStatus(form, '');
  } else {
    setStatus(form, errorMessage(err), 'error');
  }
}

/** Show a process's name (untrusted text) in `el`; a page's main heading also names the tab. */
export function showName(el, title) {
  const name = typeof title === 'string' && title.trim() ? title : t('untitled');
  el.textContent = name;
  el.dataset.state = 'open';
  if (el.tagName === 'H1') document.title = `${name} · Välitila`;
}
