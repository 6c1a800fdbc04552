// data-js-export-download: "Download everything". Everything happens on this device: the
// items are read from the server (GET only), opened with keys unwrapped from the password,
// written out readable and sealed, zipped (export.js) and saved. The account key goes into
// the archive only re-wrapped under the export passphrase.
import { api } from '../../api.js';
import { unlockAccount, akFromSource } from '../../crypto/identity.js';
import { deriveSecrets } from '../../derive.js';
import { FORMAT_FILE, TOOL, archiveOf, exportFiles, selectItems, wrapForExport, zipFiles } from '../../export.js';
import { t } from '../../i18n.js';
import { openSealed } from '../../sealed-items.js';
import { currentUid } from '../../session.js';
import { clearErrors, errorMessage, fieldError, nextFrame, setStatus } from '../../ui.js';
import { focusFirstError, validateForm } from '../../validate.js';

const PAGE = 100;
const ACCEPTED_KINDS = ['contract', 'evaluation'];
const BATCH = 16;

/** The offline reader and its format, as this server has them ([name, bytes]); a file it
 *  does not have is left out (the README then says where to find it). */
async function carriedFiles() {
  /** @type {[string, Uint8Array][]} */
  const out = [];
  for (const name of [TOOL, FORMAT_FILE]) {
    const response = await fetch(`/account/export/${name}`, { credentials: 'same-origin' });
    if (response.ok) out.push([name, new Uint8Array(await response.arrayBuffer())]);
  }
  return out;
}

async function allItems(onPage) {
  const items = [];
  let before = null;
  do {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (before) query.set('before', before);
    const page = await api('GET', `/items?${query}`);
    items.push(...page.items);
    onPage(items.length);
    before = page.next;
  } while (before);
  return items;
}

export default function exportDownload(root) {
  const form = /** @type {HTMLFormElement} */ (root.querySelector('[data-export-form]'));
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('[type=submit]'));
  const progress = /** @type {HTMLProgressElement} */ (root.querySelector('[data-export-progress]'));
  const link = /** @type {HTMLAnchorElement} */ (root.querySelector('[data-export-link]'));
  const step = (fraction, text) => {
    progress.hidden = false;
    progress.value = Math.round(fraction * 100);
    setStatus(form, text, 'busy');
  };
  button.disabled = false;

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const field = (name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
    const [password, passphrase, passphrase2, shared, group] = ['password', 'passphrase', 'passphrase2', 'include_shared', 'include_group'].map(field);
    if (!validateForm(form, { focus: false })) return void focusFirstError(form);
    if (passphrase.value.length < 10) {
      fieldError(passphrase, t('exportPassphraseShort'));
      return void focusFirstError(form);
    }
    if (passphrase.value !== passphrase2.value) {
      fieldError(passphrase2, t('exportPassphraseMismatch'));
      return void focusFirstError(form);
    }
    button.disabled = true;
    link.hidden = true;
    step(0, t('exportOpeningKeys'));
    await nextFrame();
    let akBytes;
    try {
      const uid = /** @type {string} */ (currentUid());
      const email = root.dataset.email || '';
      const keys = await api('GET', '/me/keys');
      const secrets = await deriveSecrets({ email, password: password.value, saltSeed: keys.salt_seed, kdf: keys.kdf });
      let unlocked;
      try {
        unlocked = await unlockAccount({ email, password: password.value, keys, secrets });
      } catch (err) {
        if (err?.code === 'wrong_password') throw Object.assign(new Error('wrong'), { status: 401 });
        throw err;
      }
      const ak = await akFromSource(unlocked.akSource, true);
      akBytes = new Uint8Array(await crypto.subtle.exportKey('raw', ak));

      step(0.05, t('exportReading'));
      const { processes } = await api('GET', '/processes');
      /** @type {Record<string, string>} */
      const people = { [uid]: root.dataset.name || '' };
      /** @type {Record<string, {form: string, name: string, members: string[]}>} */
      const forms = {};
      for (const p of processes) {
        for (const m of p.members) people[m.uid] = m.display_name;
        forms[p.id] = {
          form: p.form,
          // "Supervision with …": everyone in it but the user (a supervisor's notes name whom they are about)
          name: `${t('exportProcessWith')} ${p.members.filter((m) => m.uid !== uid).map((m) => m.display_name).join(', ')}`,
          members: p.members.map((m) => m.uid),
        };
      }
      const stored = await allItems((n) => step(0.05 + Math.min(0.25, n / 4000), `${t('exportReading')} ${n}`));
      const wanted = selectItems(stored, uid, forms, { shared: shared.checked, group: group.checked });

      /** @type {any[]} */
      const records = [];
      /** @type {Record<string, any[]>} */
      const acceptances = {};
      let done = 0;
      let unopened = 0;
      const recordOf = (item, payload) => ({
        id: item.id, kind: item.kind, author: item.author, authorName: people[item.author] || item.author,
        own: item.author === uid, rev: item.rev, created_at: item.created_at, updated_at: item.updated_at,
        process: item.process, processName: item.process ? forms[item.process]?.name : undefined, payload,
      });
      const withNames = (list) => list.map((a) => ({ ...a, name: people[a.user] || a.user }));
      for (let at = 0; at < wanted.length; at += BATCH) {
        const batch = wanted.slice(at, at + BATCH);
        const opened = await Promise.all(batch.map((item) => openSealed(item, unlocked, uid).then(({ payload }) => payload, () => undefined)));
        for (const [index, item] of batch.entries()) {
          if (opened[index] === undefined) {
            unopened += 1; // an item this device cannot open stays in archive.json only
            continue;
          }
          const record = recordOf(item, opened[index]);
          if (ACCEPTED_KINDS.includes(item.kind)) {
            acceptances[item.id] = (await api('GET', `/items/${item.id}/acceptances`)).acceptances;
            record.acceptances = withNames(acceptances[item.id]);
          }
          records.push(record);
        }
        done += batch.length;
        step(0.3 + 0.4 * (done / Math.max(1, wanted.length)), `${t('exportOpening')} ${done} / ${wanted.length}`);
      }
      // The user's own acceptances of contracts and evaluations left out (another author's
      // words): which revision they accepted and when, without the text.
      const included = new Set(wanted.map((item) => item.id));
      for (const item of stored) {
        if (!ACCEPTED_KINDS.includes(item.kind) || included.has(item.id)) continue;
        const own = (await api('GET', `/items/${item.id}/acceptances`)).acceptances.filter((a) => a.user === uid);
        if (!own.length) continue;
        acceptances[item.id] = own;
        records.push({ ...recordOf(item, null), acceptances: withNames(own) });
      }

      /** @type {Record<string, any>} */
      const bundles = { [uid]: keys.bundle };
      // Every author's bundle, and every accepting member's (to check acceptances offline).
      const signers = [...wanted.map((item) => item.author), ...Object.values(acceptances).flat().map((a) => a.user)];
      for (const who of new Set(signers)) {
        if (bundles[who]) continue;
        try {
          bundles[who] = await api('GET', `/users/${who}/bundle`);
        } catch (err) {
          if (err?.status !== 404 || wanted.some((item) => item.author === who)) throw err;
          // a member who has since erased their account: their acceptance stays unchecked
        }
      }
      step(0.72, t('exportSealing'));
      const exportKey = await wrapForExport({ uid, passphrase: passphrase.value, akBytes });
      const ctx = {
        t, locale: document.documentElement.lang || 'fi', timeZone: root.dataset.timeZone || 'Europe/Helsinki',
        name: people[uid],
      };
      const archive = archiveOf({
        uid, name: people[uid], locale: ctx.locale, timeZone: ctx.timeZone, exportKey,
        wrapped_x25519: keys.wrapped_x25519, items: wanted, acceptances, bundles,
        people,
        processes: processes.map((p) => ({ id: p.id, form: p.form, supervisor: p.supervisor })),
        createdAt: new Date().toISOString(),
      });
      const files = await exportFiles({ records, archive, ctx, carried: await carriedFiles() });
      step(0.8, t('exportZipping'));
      const zip = await zipFiles(files, (n, total) => step(0.8 + 0.2 * (n / total), t('exportZipping')));
      const day = new Date().toISOString().slice(0, 10);
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(new Blob([zip], { type: 'application/zip' }));
      link.download = `valitila-${day}.zip`;
      link.hidden = false;
      progress.value = 100;
      for (const input of [password, passphrase, passphrase2]) input.value = '';
      const ready = t('exportReady');
      setStatus(form, unopened ? `${ready} ${t('exportNotOpened').replace('{n}', String(unopened))}` : ready, 'ok');
      link.click();
      link.focus();
    } catch (err) {
      setStatus(form, '', '');
      if (err?.status === 401) fieldError(password, t('passwordWrong'));
      else setStatus(form, errorMessage(err), 'error');
    } finally {
      if (akBytes) akBytes.fill(0);
      button.disabled = false;
    }
  });
}
