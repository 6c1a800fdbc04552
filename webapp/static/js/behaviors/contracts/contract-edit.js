// data-js-contract-edit: the supervisor writes the contract. The form starts from the
// template in the chosen language (rendered by the server: it is no secret), or from the
// revision being edited or amended, opened here. Saving seals the sections and the place
// with the revision's key and sends them: revision 1 or an amendment as a new item (next
// number, parent = the amended revision) with an envelope for every member through the
// process; an edit as the next rev of the same item, with the same key. The text leaves this
// device only sealed.
import { ApiError, api } from '../../api.js';
import { LANGUAGES, SECTIONS, contractPayload, memberItemBody, sectionsOf } from '../../contract.js';
import { newDek } from '../../crypto/envelope.js';
import { t } from '../../i18n.js';
import { bundleFor } from '../../pins.js';
import { openSealed } from '../../sealed-items.js';
import { currentUid, requireKeys } from '../../session.js';
import { errorMessage, go, setStatus } from '../../ui.js';

/** @typedef {{id: string, rev: number, dek: Uint8Array, parent: string | null}} Target */

export default async function contractEdit(form) {
  const pid = /** @type {string} */ (form.dataset.pid);
  const submit = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  const field = (name) => /** @type {HTMLInputElement | HTMLTextAreaElement | null} */ (form.elements.namedItem(name));
  let lang = LANGUAGES.includes(form.dataset.lang || '') ? /** @type {string} */ (form.dataset.lang) : 'fi';
  /** @type {Target | null} */
  let target = null;
  submit.disabled = true;
  const keys = await requireKeys();
  if (!keys) return;
  const uid = /** @type {string} */ (currentUid());
  try {
    target = await prepare(form, keys, (payload) => {
      if ('fromTemplate' in form.dataset) return;
      for (const [key, text] of sectionsOf(payload)) {
        const input = field(key);
        if (input) input.value = text;
      }
      for (const key of SECTIONS) if (!sectionsOf(payload).some(([k]) => k === key) && field(key)) /** @type {any} */ (field(key)).value = '';
      const place = field('place');
      if (place && typeof payload?.place === 'string') place.value = payload.place;
      if (LANGUAGES.includes(payload?.lang)) lang = payload.lang;
    });
  } catch {
    setStatus(form, t('decryptFailed'), 'error');
    return;
  }
  submit.disabled = false;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!target) return;
    /** @type {Record<string, string>} */
    const sections = {};
    for (const key of SECTIONS) sections[key] = field(key)?.value.trim() ?? '';
    const error = /** @type {HTMLElement} */ (form.querySelector('#c-error'));
    if (Object.values(sections).every((text) => !text)) {
      error.textContent = t('contractEmpty');
      error.hidden = false;
      return;
    }
    error.hidden = true;
    submit.disabled = true;
    setStatus(form, t('saving'), 'busy');
    try {
      const payload = contractPayload({ sections, place: field('place')?.value.trim() ?? '', lang });
      const members = JSON.parse(form.dataset.members || '[]');
      const { body } = await memberItemBody({ ...target, kind: 'contract', payload, pid, members, uid, keys, bundleFor });
      await api('PUT', `/items/${target.id}`, body);
      setStatus(form, t('saved'), 'ok');
      go(/** @type {string} */ (form.dataset.showUrl));
    } catch (err) {
      const code = err instanceof ApiError ? err.body?.error?.code : '';
      const changed = ['conflict', 'revision_accepted', 'not_newest_revision', 'revision_open'].includes(code);
      setStatus(form, changed ? t('contractChanged') : errorMessage(err), 'error');
      submit.disabled = false;
    }
  });
}

/**
 * What saving writes: the revision being edited (its next rev, its key), an amendment of the
 * current one (a new item whose parent it is), or revision 1 (a new item).
 * @param {HTMLFormElement} form
 * @param {any} keys
 * @param {(payload: any) => void} fill
 * @returns {Promise<Target>}
 */
async function prepare(form, keys, fill) {
  if (!form.dataset.sealed) return { id: crypto.randomUUID(), rev: 1, dek: newDek(), parent: null };
  const current = JSON.parse(form.dataset.sealed);
  const { payload, dek } = await openSealed(current, keys);
  fill(payload);
  if ('editing' in form.dataset) return { id: current.id, rev: current.rev + 1, dek, parent: current.links?.parent ?? null };
  return { id: crypto.randomUUID(), rev: 1, dek: newDek(), parent: current.id };
}
