// The pure parts of "Download everything" (webapp/static/js/export.js) with real WebCrypto and
// the app's Argon2id: the readable Markdown and HTML (grouped, dated in the reader's time zone
// and language, others' words labelled, texts escaped), the manifest's hashes, the zip (read
// back with the same library), and the account key re-wrapped under the export passphrase:
// opened again here, and opened by the offline tool (tools/valitila_open.py) from an archive
// holding the protocol vectors' item.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { unzipSync } from '../../webapp/static/vendor/fflate.mjs';

const exp = await import('../../webapp/static/js/export.js');
const { b64uDecode, utf8Decode } = await import('../../webapp/static/js/crypto/encoding.js');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const VECTORS = JSON.parse(fs.readFileSync(path.join(ROOT, 'protocol', 'vectors.json'), 'utf8'));
const ANNA = '11111111-1111-4111-8111-111111111111';
const SARA = '22222222-2222-4222-8222-222222222222';
const t = (key) => `«${key}»`;
const ctx = { t, locale: 'fi', timeZone: 'Europe/Helsinki', name: 'Anna', now: new Date('2026-12-01T22:30:00Z') };

const record = (over) => ({
  id: crypto.randomUUID(), kind: 'entry', author: ANNA, authorName: 'Anna', own: true, rev: 1,
  created_at: '2026-11-30T22:30:00+00:00', updated_at: '2026-11-30T22:30:00+00:00', process: null,
  payload: {}, ...over,
});

const RECORDS = [
  record({ payload: { title: 'Ensimmäinen', body: 'Oma <script>alert(1)</script> teksti', tags: ['työ', 'ilo'] } }),
  record({ kind: 'checkin', payload: { value: 7, note: 'Hyvä viikko' }, created_at: '2026-12-01T08:00:00+00:00' }),
  record({
    kind: 'contract', rev: 2, payload: { sections: { aims: 'Tavoitteet' } },
    acceptances: [{ user: SARA, name: 'Sara', rev: 2, created_at: '2026-12-01T09:15:00+00:00' }],
  }),
  record({ kind: 'agenda', author: SARA, authorName: 'Sara', own: false, payload: { body: 'Saran sanat' } }),
];

describe('readable files', () => {
  test('groups in order, newest first, empty groups left out', () => {
    const groups = exp.groupRecords(RECORDS);
    assert.deepEqual(groups.map((g) => g.name), ['journal', 'checkins', 'contracts', 'agendas']);
  });

  test('dates are in the reader’s time zone and language', () => {
    // 22:30 UTC on 30 November is 1 December, 0.30 in Helsinki
    assert.match(exp.formatDate('2026-11-30T22:30:00+00:00', ctx), /1\.\s*joulukuuta 2026/);
    assert.match(exp.formatDate('2026-11-30T22:30:00+00:00', { locale: 'en', timeZone: 'UTC' }), /November 30, 2026/);
  });

  test('Markdown: fields, the check-in scale, acceptances and other authors named', () => {
    const { files } = exp.readableFiles(RECORDS, ctx);
    const md = Object.fromEntries(files);
    assert.deepEqual(Object.keys(md), [
      'readable/index.html', 'readable/01-journal.md', 'readable/02-checkins.md', 'readable/03-contracts.md',
      'readable/04-agendas.md',
    ]);
    assert.match(md['readable/01-journal.md'], /^# «exportGroupJournal»/);
    assert.match(md['readable/01-journal.md'], /\*\*«exportFieldTitle»\*\*\n\nEnsimmäinen/);
    assert.match(md['readable/01-journal.md'], /työ, ilo/);
    assert.match(md['readable/02-checkins.md'], /«exportFieldScale»\*\*\n\n7 \/ 10/);
    assert.match(md['readable/03-contracts.md'], /- Sara: «exportAccepted» .* 2, 1\. joulukuuta 2026/);
    assert.match(md['readable/04-agendas.md'], /«exportAuthor»: Sara/);
    assert.doesNotMatch(md['readable/01-journal.md'], /«exportAuthor»/);
  });

  test('another author’s contract left out shows only the user’s own acceptance', () => {
    const left = record({
      kind: 'contract', author: SARA, authorName: 'Sara', own: false, rev: 3, payload: null,
      acceptances: [{ user: ANNA, name: 'Anna', rev: 3, created_at: '2026-12-01T09:15:00+00:00' }],
    });
    const [group] = exp.groupRecords([left]);
    const md = exp.groupMarkdown(group, ctx);
    assert.match(md, /«exportAuthor»: Sara/);
    assert.match(md, /_«exportTextLeftOut»_/);
    assert.match(md, /- Anna: «exportAccepted» .* 3, 1\. joulukuuta 2026/);
    assert.match(exp.readableHtml([group], ctx), /<em>«exportTextLeftOut»<\/em>/);
  });

  test('HTML: one self-contained printable page, the texts escaped', () => {
    const html = exp.readableHtml(exp.groupRecords(RECORDS), ctx);
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<html lang="fi">/);
    assert.match(html, /Oma &lt;script&gt;alert\(1\)&lt;\/script&gt; teksti/);
    assert.doesNotMatch(html, /<script|<link|src=|href=|@import|url\(/);
    assert.match(html, /@media print/);
  });

  test('an odd payload still shows every text', () => {
    const fields = exp.fieldsOf('evaluation', { goals: [{ text: 'A', done: true }], summary: 'S', n: null }, t);
    assert.deepEqual(fields, [
      { label: 'goals 1 › text', text: 'A' },
      { label: 'goals 1 › done', text: 'true' },
      { label: 'summary', text: 'S' },
    ]);
    assert.deepEqual(exp.fieldsOf('topic', 'plain', t), [{ label: '«exportFieldText»', text: 'plain' }]);
  });
});

describe('what is included', () => {
  const ONE = 'p1111111-1111-4111-8111-111111111111';
  const GROUP = 'p2222222-2222-4222-8222-222222222222';
  const BERT = '33333333-3333-4333-8333-333333333333';
  const processes = {
    [ONE]: { form: 'individual', members: [SARA, ANNA] },
    [GROUP]: { form: 'group', members: [SARA, ANNA, BERT] },
  };
  const items = [
    { id: 'own', author: ANNA, process: GROUP },
    { id: 'own-private', author: ANNA, process: null },
    { id: 'supervisor', author: SARA, process: ONE },
    { id: 'supervisor-entry', author: SARA, process: null },     // shared through a process
    { id: 'member', author: SARA, process: GROUP },
    { id: 'member-entry', author: BERT, process: null },          // shared through the group
  ];
  const ids = (include) => exp.selectItems(items, ANNA, processes, include).map((i) => i.id);

  test('by default only the user’s own items', () => {
    assert.deepEqual(ids(undefined), ['own', 'own-private']);
    assert.deepEqual(ids({}), ['own', 'own-private']);
  });
  test('what others shared, and group material, only when ticked', () => {
    assert.deepEqual(ids({ shared: true }), ['own', 'own-private', 'supervisor', 'supervisor-entry']);
    assert.deepEqual(ids({ group: true }), ['own', 'own-private', 'member', 'member-entry']);
    assert.equal(ids({ shared: true, group: true }).length, items.length);
  });
});

describe('the zip and its manifest', () => {
  test('every file is in the zip and the manifest hashes each of them', async () => {
    const archive = { format: 'valitila-export', version: 1 };
    const tool = fs.readFileSync(path.join(ROOT, 'tools', 'valitila_open.py'));
    const carried = [['valitila_open.py', new Uint8Array(tool)], ['export-format.md', new Uint8Array([35, 10])]];
    const files = await exp.exportFiles({ records: RECORDS, archive, ctx, carried });
    const names = files.map(([name]) => name);
    assert.equal(names[0], 'README.txt');
    assert.deepEqual(names.slice(-4), ['archive.json', 'valitila_open.py', 'export-format.md', 'manifest.json']);
    const progress = [];
    const zip = await exp.zipFiles(files, (done, total) => progress.push([done, total]));
    assert.equal(progress.length, files.length);
    assert.equal(progress.at(-1)[0], progress.at(-1)[1]);
    const unzipped = unzipSync(zip);
    assert.deepEqual(Object.keys(unzipped).sort(), [...names].sort());
    const manifest = JSON.parse(utf8Decode(unzipped['manifest.json']));
    assert.equal(manifest.algorithm, 'SHA-256');
    assert.deepEqual(Object.keys(manifest.files).sort(), names.filter((n) => n !== 'manifest.json').sort());
    for (const [name, digest] of Object.entries(manifest.files)) {
      const actual = exp.hex(new Uint8Array(await crypto.subtle.digest('SHA-256', unzipped[name])));
      assert.equal(actual, digest, name);
    }
    assert.deepEqual(unzipped['valitila_open.py'], new Uint8Array(tool));
    const readme = utf8Decode(unzipped['README.txt']);
    assert.match(readme, /«exportReadmeTool»\n {2}python3 valitila_open\.py archive\.json OUTPUT_DIRECTORY/);
    assert.match(readme, /«exportReadmeFormat»\n {2}export-format\.md/);
    assert.match(readme, /readable\/02-checkins\.md/);
  });

  test('without the carried files the README says where the reader is', () => {
    const readme = exp.readmeText(exp.groupRecords(RECORDS), ctx, []);
    assert.match(readme, /«exportReadmeToolElsewhere»\n {2}tools\/valitila_open\.py, docs\/export\.md/);
    assert.doesNotMatch(readme, /«exportReadmeFormat»/);
  });
});

describe('the account key under the export passphrase', () => {
  const account = VECTORS.account;
  const akBytes = b64uDecode(account.ak, 32);

  test('opens with the passphrase, not with another', async () => {
    const key = await exp.wrapForExport({ uid: account.uid, passphrase: 'kesäinen ilta ﬁ', akBytes });
    assert.deepEqual(key.kdf, { alg: 'argon2id', m: 65536, t: 3, p: 1 });
    assert.equal(b64uDecode(key.salt).length, 16);
    const archive = { uid: account.uid, ...key };
    // NFKC: the ligature ﬁ and "fi" are the same passphrase
    assert.deepEqual(await exp.openExportKey(archive, 'kesäinen ilta fi'), akBytes);
    await assert.rejects(exp.openExportKey(archive, 'kesäinen ilta'), { code: 'wrong_passphrase' });
  });

  test('weaker KDF parameters are refused', async () => {
    await assert.rejects(exp.wrapForExport({ uid: account.uid, passphrase: 'x', akBytes, kdf: { alg: 'argon2id', m: 1024, t: 1, p: 1 } }), {
      code: 'kdf_rejected',
    });
  });

  const python = path.join(ROOT, '.venv', 'bin', 'python');
  test('the offline tool opens the vectors’ item from an archive written here', { skip: !fs.existsSync(python) && 'no .venv' }, async () => {
    const key = await exp.wrapForExport({ uid: account.uid, passphrase: 'kesäinen ilta', akBytes });
    const item = VECTORS.item;
    const stored = {
      id: item.id, kind: item.kind, author: account.uid, rev: item.rev, sealed: item.sealed, sig: item.sig,
      envelope: { recipient: account.uid, ...item.envelope_owner }, process: null, links: null,
      created_at: '2026-11-30T08:00:00+00:00', updated_at: '2026-11-30T08:00:00+00:00',
    };
    const archive = exp.archiveOf({
      uid: account.uid, name: 'Anna', locale: 'fi', timeZone: 'Europe/Helsinki', exportKey: key,
      wrapped_x25519: account.wrapped_x25519, items: [stored], acceptances: {}, bundles: { [account.uid]: account.bundle },
      people: { [account.uid]: 'Anna' }, processes: [], createdAt: '2026-12-01T00:00:00Z',
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-test-'));
    try {
      fs.writeFileSync(path.join(dir, 'archive.json'), exp.jsonBytes(archive));
      const run = spawnSync(python, [path.join(ROOT, 'tools', 'valitila_open.py'), path.join(dir, 'archive.json'), path.join(dir, 'out')], {
        env: { ...process.env, VALITILA_PASSPHRASE: 'kesäinen ilta' }, encoding: 'utf8',
      });
      assert.equal(run.status, 0, run.stderr);
      const items = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'items.json'), 'utf8'));
      assert.deepEqual(items.map((i) => i.payload), [item.payload]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
