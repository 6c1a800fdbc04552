// "Download everything" (issue 11): the parts of the export that need no page and no server,
// so that the node tests run them as they are. The export page's behaviour
// (behaviors/export/export-download.js) gathers the items, opens them with this device's keys
// and hands them here: the readable Markdown and HTML, the sealed archive with the account
// key re-wrapped under an export passphrase, the manifest, the README and the zip itself.
// The archive format is docs/export.md; tools/valitila_open.py opens it offline.
//
// Only the export page imports this module (and with it the zip library, vendor/fflate.mjs):
// the build makes it part of that behaviour's chunk.

import { Zip, ZipDeflate } from '../vendor/fflate.mjs';
import { box, hkdf, sha256, unbox } from './crypto/aead.js';
import { b64uDecode, b64uEncode, randomBytes, utf8Encode, wipe } from './crypto/encoding.js';
import { KDF_FLOOR, checkKdf, deriveRoot } from './crypto/kdf.js';

export const FORMAT = 'valitila-export';
export const VERSION = 1;
/** The files an export carries beside the data (served by webapp/export). */
export const TOOL = 'valitila_open.py';
export const FORMAT_FILE = 'export-format.md';
export const LABELS = Object.freeze({
  kek: 'valitila/export/v1/kek',
  check: 'valitila/export/v1/check',
  ak: (uid) => `valitila/export/v1/ak|${uid}`,
});

/** The groups of the readable files, in order: [name, kinds, i18n key of the heading]. */
export const GROUPS = Object.freeze([
  ['journal', ['entry'], 'exportGroupJournal'],
  ['answers', ['response'], 'exportGroupAnswers'],
  ['checkins', ['checkin'], 'exportGroupCheckins'],
  ['topics', ['topic'], 'exportGroupTopics'],
  ['contracts', ['contract', 'goal'], 'exportGroupContracts'],
  ['agendas', ['agenda'], 'exportGroupAgendas'],
  ['evaluations', ['evaluation'], 'exportGroupEvaluations'],
  ['notes', ['note'], 'exportGroupNotes'],
  ['other', ['assignment', 'template', 'summary', 'comment', 'title'], 'exportGroupOther'],
]);

/**
 * A record is an opened item; its payload is null for another author's contract or evaluation
 * left out of the export, shown only with the user's own acceptances of it.
 * @typedef {{id: string, kind: string, author: string, authorName: string, own: boolean,
 *   rev: number, created_at: string, updated_at: string, process: string|null,
 *   processName?: string, payload: any,
 *   acceptances?: {user: string, name: string, rev: number, created_at: string}[]}} ExportRecord
 * @typedef {{t: (key: string) => string, locale: string, timeZone: string,
 *   name: string, now?: Date}} Context
 */

/**
 * What goes into an export: everything the user wrote; another author's item only if the
 * user ticked it — `shared` for what came through a one-to-one process, `group` for what
 * came through a group. An item of a process is judged by that process's form; one shared
 * with the user from outside any process of its own (an entry shared through a process) by
 * whether its author shares a one-to-one process with the user (else it is group material).
 * @param {any[]} items in the API's form
 * @param {string} uid the user
 * @param {Record<string, {form: string, members?: string[]}>} processes by id
 * @param {{shared?: boolean, group?: boolean}} include
 */
export function selectItems(items, uid, processes, { shared = false, group = false } = {}) {
  const oneToOne = new Set(
    Object.values(processes)
      .filter((p) => p.form !== 'group' && p.members?.includes(uid))
      .flatMap((p) => p.members || []),
  );
  return items.filter((item) => {
    if (item.author === uid) return true;
    const own = item.process ? processes[item.process] : undefined;
    const isGroup = own ? own.form === 'group' : !oneToOne.has(item.author);
    return isGroup ? group : shared;
  });
}

/** A date and time in the reader's language and time zone. */
export function formatDate(iso, { locale, timeZone }) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(when);
}

/** The records of each group (newest first), leaving out empty groups. */
export function groupRecords(records) {
  const sorted = [...records].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  return GROUPS.map(([name, kinds, heading]) => ({
    name,
    heading,
    records: sorted.filter((r) => kinds.includes(r.kind)),
  })).filter((group) => group.records.length);
}

const FIELD_KEYS = { title: 'exportFieldTitle', body: 'exportFieldBody', text: 'exportFieldText', note: 'exportFieldNote', tags: 'exportFieldTags' };

/**
 * A payload (untrusted JSON of any shape) as labelled texts: a check-in's value on its 0–10
 * scale first, then every field in order, nested ones with their path.
 * @returns {{label: string, text: string}[]}
 */
export function fieldsOf(kind, payload, t) {
  /** @type {{label: string, text: string}[]} */
  const out = [];
  const walk = (value, label) => {
    if (value === null || value === undefined || value === '') return;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      out.push({ label, text: String(value) });
    } else if (Array.isArray(value)) {
      if (value.every((v) => typeof v === 'string' || typeof v === 'number')) {
        if (value.length) out.push({ label, text: value.join(', ') });
      } else value.forEach((v, i) => walk(v, `${label} ${i + 1}`));
    } else if (typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(inner, label ? `${label} › ${key}` : key);
    }
  };
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    walk(payload, t('exportFieldText'));
    return out;
  }
  const rest = { ...payload };
  if (kind === 'checkin' && typeof rest.value === 'number') {
    out.push({ label: t('exportFieldScale'), text: `${rest.value} / 10` });
    delete rest.value;
  }
  for (const [key, value] of Object.entries(rest)) walk(value, FIELD_KEYS[key] ? t(FIELD_KEYS[key]) : key);
  return out;
}

/** The line under a record's heading: when, by whom (another author is always named), where. */
function byline(record, ctx) {
  const parts = [formatDate(record.created_at, ctx)];
  if (!record.own) parts.push(`${ctx.t('exportAuthor')}: ${record.authorName}`);
  if (record.processName) parts.push(record.processName);
  if (record.rev > 1) parts.push(`${ctx.t('exportRevision')} ${record.rev}`);
  return parts.join(' · ');
}

function acceptanceLines(record, ctx) {
  return (record.acceptances || []).map(
    (a) => `${a.name}: ${ctx.t('exportAccepted')} ${ctx.t('exportRevision').toLowerCase()} ${a.rev}, ${formatDate(a.created_at, ctx)}`,
  );
}

/** Markdown of one group (a file of readable/). The texts are written as they are. */
export function groupMarkdown(group, ctx) {
  const lines = [`# ${ctx.t(group.heading)}`, ''];
  for (const record of group.records) {
    lines.push(`## ${byline(record, ctx)}`, '');
    if (record.payload === null) lines.push(`_${ctx.t('exportTextLeftOut')}_`, '');
    for (const { label, text } of fieldsOf(record.kind, record.payload, ctx.t)) {
      lines.push(`**${label}**`, '', text, '');
    }
    const accepted = acceptanceLines(record, ctx);
    if (accepted.length) {
      lines.push(`**${ctx.t('exportAcceptances')}**`, '', ...accepted.map((line) => `- ${line}`), '');
    }
  }
  return lines.join('\n');
}

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text as HTML text (the decrypted texts are untrusted: never markup). */
export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const PRINT_CSS = `body{font-family:Georgia,serif;max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
h1{font-size:1.6rem}h2{font-size:1.3rem;border-bottom:1px solid #888;margin-top:2rem}h3{font-size:1rem;margin-bottom:.25rem}
.field-label{font-weight:bold;margin:.75rem 0 0}.text{white-space:pre-wrap;margin:.25rem 0}
article{break-inside:avoid-page;margin-bottom:1.5rem}@media print{body{margin:0}}`;

/** One self-contained, printable HTML file of every group: no scripts, no external resources. */
export function readableHtml(groups, ctx) {
  const out = [
    '<!doctype html>',
    `<html lang="${escapeHtml(ctx.locale)}"><head><meta charset="utf-8">`,
    `<title>${escapeHtml(`${ctx.t('exportTitle')} – ${ctx.name}`)}</title>`,
    `<style>${PRINT_CSS}</style></head><body>`,
    `<h1>${escapeHtml(`${ctx.t('exportTitle')} – ${ctx.name}`)}</h1>`,
    `<p>${escapeHtml(formatDate((ctx.now || new Date()).toISOString(), ctx))}</p>`,
  ];
  for (const group of groups) {
    out.push(`<section><h2>${escapeHtml(ctx.t(group.heading))}</h2>`);
    for (const record of group.records) {
      out.push(`<article><h3>${escapeHtml(byline(record, ctx))}</h3>`);
      if (record.payload === null) out.push(`<p><em>${escapeHtml(ctx.t('exportTextLeftOut'))}</em></p>`);
      for (const { label, text } of fieldsOf(record.kind, record.payload, ctx.t)) {
        out.push(`<p class="field-label">${escapeHtml(label)}</p><p class="text">${escapeHtml(text)}</p>`);
      }
      const accepted = acceptanceLines(record, ctx);
      if (accepted.length) {
        out.push(`<p class="field-label">${escapeHtml(ctx.t('exportAcceptances'))}</p><ul>`);
        for (const line of accepted) out.push(`<li>${escapeHtml(line)}</li>`);
        out.push('</ul>');
      }
      out.push('</article>');
    }
    out.push('</section>');
  }
  out.push('</body></html>', '');
  return out.join('\n');
}

/** README.txt in the user's language: what is where, how to open the archive. `carried`:
 *  the names of the reader and its format description when the zip carries them. */
export function readmeText(groups, ctx, carried = []) {
  const files = groups.map((g, i) => `  readable/${String(i + 1).padStart(2, '0')}-${g.name}.md  ${ctx.t(g.heading)}`);
  const tool = carried.includes(TOOL)
    ? [ctx.t('exportReadmeTool'), `  python3 ${TOOL} archive.json OUTPUT_DIRECTORY`]
    : [ctx.t('exportReadmeToolElsewhere'), '  tools/valitila_open.py, docs/export.md'];
  return [
    `${ctx.t('exportTitle')} – ${ctx.name}`,
    formatDate((ctx.now || new Date()).toISOString(), ctx),
    '',
    ctx.t('exportReadmeReadable'),
    '  readable/index.html',
    ...files,
    '',
    ctx.t('exportReadmeArchive'),
    '  archive.json',
    '',
    ...tool,
    ...(carried.includes(FORMAT_FILE) ? ['', ctx.t('exportReadmeFormat'), `  ${FORMAT_FILE}`] : []),
    '',
    ctx.t('exportReadmeManifest'),
    '  manifest.json',
    '',
  ].join('\n');
}

/** The readable files: readable/index.html and readable/NN-<group>.md (path → text). */
export function readableFiles(records, ctx) {
  const groups = groupRecords(records);
  /** @type {[string, string][]} */
  const files = [['readable/index.html', readableHtml(groups, ctx)]];
  groups.forEach((g, i) => files.push([`readable/${String(i + 1).padStart(2, '0')}-${g.name}.md`, groupMarkdown(g, ctx)]));
  return { groups, files };
}

/** Lowercase hex of bytes. */
export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * manifest.json: the SHA-256 of every other file of the zip.
 * @param {[string, Uint8Array][]} files
 */
export async function manifestOf(files) {
  /** @type {Record<string, string>} */
  const sha256s = {};
  for (const [path, bytes] of files) sha256s[path] = hex(await sha256(bytes));
  return { format: `${FORMAT}-manifest`, version: VERSION, algorithm: 'SHA-256', files: sha256s };
}

/**
 * The account key under the export passphrase (docs/export.md "Keys"):
 * root = Argon2id(utf8(NFKC(passphrase)), salt, kdf), kek = HKDF(root, LABELS.kek),
 * check = HKDF(root, LABELS.check), wrapped_ak = box(kek, AK, LABELS.ak(uid)).
 * @param {{uid: string, passphrase: string, akBytes: Uint8Array, kdf?: object, salt?: Uint8Array}} args
 */
export async function wrapForExport({ uid, passphrase, akBytes, kdf = KDF_FLOOR, salt = randomBytes(16) }) {
  const params = checkKdf(kdf);
  const root = await deriveRoot(passphrase, salt, params);
  const kek = await hkdf(root, LABELS.kek);
  const check = await hkdf(root, LABELS.check);
  try {
    const wrapped_ak = await box(kek, akBytes, LABELS.ak(uid));
    return { kdf: params, salt: b64uEncode(salt), check: b64uEncode(check), wrapped_ak };
  } finally {
    wipe(root, kek);
  }
}

/** AK from an archive and its passphrase (the tool's first step, here for the tests).
 *  @throws {Error} code 'wrong_passphrase' */
export async function openExportKey(archive, passphrase) {
  const root = await deriveRoot(passphrase, b64uDecode(archive.salt, 16), checkKdf(archive.kdf));
  const check = await hkdf(root, LABELS.check);
  const kek = await hkdf(root, LABELS.kek);
  wipe(root);
  if (b64uEncode(check) !== archive.check) throw Object.assign(new Error('wrong passphrase'), { code: 'wrong_passphrase' });
  return unbox(kek, archive.wrapped_ak, LABELS.ak(archive.uid));
}

/** JSON as the zip stores it (UTF-8, two-space indented). */
export function jsonBytes(value) {
  return utf8Encode(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The zip: every file deflated, `onProgress(done, total)` after each (bytes of input).
 * @param {[string, Uint8Array][]} files
 * @param {(done: number, total: number) => void} [onProgress]
 * @returns {Promise<Uint8Array>}
 */
export function zipFiles(files, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    /** @type {Uint8Array[]} */
    const chunks = [];
    const zip = new Zip((err, chunk, final) => {
      if (err) return void reject(err);
      chunks.push(chunk);
      if (final) {
        const size = chunks.reduce((n, c) => n + c.length, 0);
        const out = new Uint8Array(size);
        let at = 0;
        for (const c of chunks) {
          out.set(c, at);
          at += c.length;
        }
        resolve(out);
      }
    });
    const total = files.reduce((n, [, bytes]) => n + bytes.length, 0);
    let done = 0;
    for (const [path, bytes] of files) {
      const entry = new ZipDeflate(path, { level: 6 });
      zip.add(entry);
      entry.push(bytes, true);
      done += bytes.length;
      onProgress(done, total);
    }
    zip.end();
  });
}

/**
 * archive.json (docs/export.md): the sealed items as the server answered them (each with the
 * user's own envelope and the author's signature), the contracts' acceptances, the bundles of
 * every author included, and the keys: AK under the export passphrase, the X25519 private key
 * wrapped by AK as stored.
 */
export function archiveOf({ uid, name, locale, timeZone, exportKey, wrapped_x25519, items, acceptances, bundles, people, processes, createdAt }) {
  return {
    format: FORMAT,
    version: VERSION,
    created_at: createdAt,
    uid,
    name,
    locale,
    time_zone: timeZone,
    kdf: exportKey.kdf,
    salt: exportKey.salt,
    check: exportKey.check,
    wrapped_ak: exportKey.wrapped_ak,
    wrapped_x25519,
    bundles,
    people,
    processes,
    items,
    acceptances,
  };
}

/**
 * Every file of the zip, in order: README.txt, readable/…, archive.json, the carried files
 * (the offline reader and its format, as the server gave them: [name, bytes]), and
 * manifest.json (the SHA-256 of all the others).
 * @param {{records: any[], archive: object, ctx: any, carried?: [string, Uint8Array][]}} args
 * @returns {Promise<[string, Uint8Array][]>}
 */
export async function exportFiles({ records, archive, ctx, carried = [] }) {
  const { groups, files } = readableFiles(records, ctx);
  /** @type {[string, Uint8Array][]} */
  const out = [['README.txt', utf8Encode(readmeText(groups, ctx, carried.map(([name]) => name)))]];
  for (const [path, text] of files) out.push([path, utf8Encode(text)]);
  out.push(['archive.json', jsonBytes(archive)]);
  out.push(...carried);
  out.push(['manifest.json', jsonBytes(await manifestOf(out))]);
  return out;
}
