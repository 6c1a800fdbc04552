#!/usr/bin/env node
// Copy the front-end dependencies from node_modules/ into webapp/static/vendor/
// (git-ignored) in a form the browser can load directly, without a bundler,
// without import maps and without inline scripts (the CSP forbids them):
//
//   vendor/htmx.min.js                  htmx.org/dist/htmx.min.js, verbatim
//   vendor/argon2.mjs                   hash-wasm's argon2 UMD build wrapped as an
//                                       ES module exporting `argon2id`
//   vendor/zxcvbn/core/…                @zxcvbn-ts/core ESM build
//   vendor/zxcvbn/language-common/…     @zxcvbn-ts/language-common ESM build
//   vendor/zxcvbn/language-fi/…         @zxcvbn-ts/language-fi ESM build
//   vendor/zxcvbn/fastest-levenshtein/… transitive dependency of core
//   vendor/zxcvbn.mjs                   one module re-exporting the three above (core's
//                                       `zxcvbn`, `zxcvbnOptions`; `common`, `fi`), so that
//                                       strength.js imports zxcvbn with one literal path and
//                                       the build (scripts/build.mjs) makes it one lazy chunk
//   vendor/minisearch.mjs               minisearch/dist/es/index.js (ES module, no imports)
//   vendor/uqr.mjs                      uqr/dist/index.mjs: QR codes of invite links (ES
//                                       module, no imports; js/qr.js, a lazy chunk)
//   vendor/fflate.mjs                   fflate/esm/browser.js: the zip writer of the export
//                                       (ES module, no imports; js/export.js, in the export page's chunk)
//   vendor/stemmers/{finnish,swedish,english}.mjs
//                                       @orama/stemmers' Snowball-derived stemmers (ES
//                                       modules exporting `stemmer`), one per UI language
//
// The zxcvbn files are found by walking the static import graph from each
// package's ESM entry point (package.json "module"), so only files that are
// actually imported are copied (no CommonJS/UMD builds, no .map files).
// Bare specifiers ('fastest-levenshtein', '@zxcvbn-ts/core', …) are rewritten
// to relative paths and the packages they name are vendored too.
//
// Deterministic: output depends only on node_modules. Files whose content is
// unchanged are not rewritten (mtimes stay put); stale files in vendor/zxcvbn/
// are removed. Files in vendor/ that this script does not manage are left alone.
//
// After anything changed (or with --check) the result is smoke-tested: the
// vendored modules are imported under a resolve hook that rejects bare
// specifiers, and zxcvbn is run on a weak and a strong password.
//
// Usage: node scripts/vendor.mjs [--check]

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE_MODULES = path.join(ROOT, 'node_modules');
const VENDOR = path.join(ROOT, 'webapp', 'static', 'vendor');
const ZXCVBN_DIR = 'zxcvbn'; // relative to VENDOR
const ZXCVBN_ENTRIES = ['@zxcvbn-ts/core', '@zxcvbn-ts/language-common', '@zxcvbn-ts/language-fi'];
const ZXCVBN_INDEX = `// zxcvbn-ts for strength.js (written by scripts/vendor.mjs)
export { zxcvbn, zxcvbnOptions } from './${ZXCVBN_DIR}/core/index.esm.js';
export * as common from './${ZXCVBN_DIR}/language-common/index.esm.js';
export * as fi from './${ZXCVBN_DIR}/language-fi/index.esm.js';
`;

// On-device journal search (webapp/static/js/search.js): the search engine and the stemmer
// of each UI language. Both packages ship self-contained ES modules.
const MINISEARCH_FILE = 'minisearch/dist/es/index.js';
const STEMMERS = { finnish: 'fi', swedish: 'se', english: 'en' }; // vendor name -> @orama/stemmers dist file
const stripSourceMap = (src) => src.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');

const ARGON2_PREFIX = 'const module={exports:{}};const exports=module.exports;\n';
const ARGON2_SUFFIX = '\nexport const argon2id=module.exports.argon2id;\n';

function die(msg) {
  console.error(`vendor.mjs: error: ${msg}`);
  process.exit(1);
}

function readPkg(name) {
  const file = path.join(NODE_MODULES, name, 'package.json');
  if (!fs.existsSync(file)) {
    die(`${path.relative(ROOT, file)} not found; run \`npm ci\` (or \`make setup\`) first`);
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function readDep(rel) {
  const file = path.join(NODE_MODULES, rel);
  if (!fs.existsSync(file)) die(`node_modules/${rel} not found; run \`npm ci\` (or \`make setup\`) first`);
  return fs.readFileSync(file, 'utf8');
}

const isRelative = (s) => s.startsWith('./') || s.startsWith('../');

// 'pkg' or '@scope/pkg', optionally followed by a subpath (not supported).
function splitBare(spec) {
  const parts = spec.split('/');
  const n = spec.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, n).join('/'), subpath: parts.slice(n).join('/') };
}

// Where a vendored package lives, relative to VENDOR.
function packageDest(name) {
  const short = name.startsWith('@zxcvbn-ts/') ? name.slice('@zxcvbn-ts/'.length) : name.replace(/^@/, '').replace(/\//g, '__');
  return path.posix.join(ZXCVBN_DIR, short);
}

// ESM entry of a package: exports["."].import|default, else "module".
function esmEntry(name) {
  const pkg = readPkg(name);
  let entry;
  const exp = pkg.exports && (typeof pkg.exports === 'string' ? pkg.exports : pkg.exports['.']);
  if (typeof exp === 'string' && /\.m?js$/.test(exp)) entry = exp;
  else if (exp && typeof exp === 'object') {
    const imp = exp.browser ?? exp.import ?? exp.default;
    entry = typeof imp === 'string' ? imp : imp?.default;
  }
  entry ??= pkg.module;
  if (!entry) die(`package ${name} has no ESM entry ("module"/"exports"); cannot vendor it`);
  const abs = path.join(NODE_MODULES, name, entry);
  if (!fs.existsSync(abs)) die(`ESM entry of ${name} not found: ${path.relative(ROOT, abs)}`);
  return { name, version: pkg.version, entryAbs: abs, baseAbs: path.dirname(abs) };
}

// Static module specifiers of an ES module built by a bundler (rollup/tsc):
//   import x from '…' / import {a,\n b} from '…' / export {…} from '…' /
//   export * from '…' / import '…' / import('…').
// Only statements starting at the beginning of a line are considered, so data
// modules (big string/array literals) cannot produce false matches.
const STATIC_RE = /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom[ \t]*(['"])([^'"\n]+)\1/gm;
const SIDE_EFFECT_RE = /^[ \t]*import[ \t]*(['"])([^'"\n]+)\1/gm;
const DYNAMIC_RE = /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g;

function specifiers(src) {
  const out = [];
  for (const re of [STATIC_RE, SIDE_EFFECT_RE, DYNAMIC_RE]) {
    for (const m of src.matchAll(re)) {
      // Position of the specifier string inside src (the quote char + 1).
      const start = m.index + m[0].lastIndexOf(m[1] + m[2] + m[1]) + 1;
      out.push({ spec: m[2], start, end: start + m[2].length });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

// Walk the import graph of the zxcvbn packages. Returns Map(destRel -> content).
function buildZxcvbn() {
  const files = new Map();
  const packages = new Map(); // name -> esmEntry info
  const queue = [];

  const addPackage = (name) => {
    if (!packages.has(name)) {
      const info = esmEntry(name);
      packages.set(name, info);
      queue.push({ pkg: info, abs: info.entryAbs });
    }
    return packages.get(name);
  };
  const destOf = (pkg, abs) => {
    const rel = path.relative(pkg.baseAbs, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      die(`${path.relative(ROOT, abs)} lies outside ${path.relative(ROOT, pkg.baseAbs)}`);
    }
    return path.posix.join(packageDest(pkg.name), rel.split(path.sep).join('/'));
  };

  ZXCVBN_ENTRIES.forEach(addPackage);
  const seen = new Set();
  while (queue.length) {
    const { pkg, abs } = queue.shift();
    if (seen.has(abs)) continue;
    seen.add(abs);
    if (!fs.existsSync(abs)) die(`imported file not found: ${path.relative(ROOT, abs)}`);
    const dest = destOf(pkg, abs);
    let src = fs.readFileSync(abs, 'utf8');

    // Rewrite specifiers from the end so earlier offsets stay valid.
    const specs = specifiers(src);
    for (const { spec, start, end } of specs.reverse()) {
      let targetDest;
      if (isRelative(spec)) {
        const target = path.resolve(path.dirname(abs), spec);
        queue.push({ pkg, abs: target });
        targetDest = destOf(pkg, target);
      } else if (/^[a-z]+:/i.test(spec) || spec.startsWith('/')) {
        die(`unsupported import '${spec}' in ${path.relative(ROOT, abs)}`);
      } else {
        const { name, subpath } = splitBare(spec);
        if (subpath) die(`deep import '${spec}' in ${path.relative(ROOT, abs)} is not supported`);
        const dep = addPackage(name);
        targetDest = destOf(dep, dep.entryAbs);
      }
      let rel = path.posix.relative(path.posix.dirname(dest), targetDest);
      if (!rel.startsWith('.')) rel = `./${rel}`;
      src = src.slice(0, start) + rel + src.slice(end);
    }
    // .map files are not copied, so drop the references to them.
    src = src.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
    files.set(dest, src);
  }
  return { files, packages };
}

// Write `content` to VENDOR/rel unless identical. Returns true if written.
function writeIfChanged(rel, content) {
  const file = path.join(VENDOR, rel);
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
  return true;
}

// Remove files under VENDOR/dir that are not in `keep`, then empty dirs.
function prune(dir, keep) {
  let removed = 0;
  const walk = (rel) => {
    const abs = path.join(VENDOR, rel);
    if (!fs.existsSync(abs)) return;
    for (const ent of fs.readdirSync(abs, { withFileTypes: true })) {
      const childRel = path.posix.join(rel, ent.name);
      if (ent.isDirectory()) {
        walk(childRel);
        if (fs.readdirSync(path.join(VENDOR, childRel)).length === 0) fs.rmdirSync(path.join(VENDOR, childRel));
      } else if (!keep.has(childRel)) {
        fs.rmSync(path.join(VENDOR, childRel));
        removed++;
      }
    }
  };
  walk(dir);
  return removed;
}

// Smoke test: import the vendored modules with a resolve hook that fails on
// bare specifiers coming from vendor/ (Node would otherwise silently resolve
// them from node_modules, hiding a missed rewrite), then run zxcvbn.
async function check() {
  const vendorUrl = pathToFileURL(VENDOR + path.sep).href;
  const mod = await import('node:module');
  if (typeof mod.register === 'function') {
    const hooks = `
      let prefix;
      export function initialize(data) { prefix = data.prefix; }
      export async function resolve(specifier, context, next) {
        if (context.parentURL && context.parentURL.startsWith(prefix)
            && !/^(\\.{1,2}\\/|\\/|[a-z][a-z0-9+.-]*:)/i.test(specifier)) {
          throw new Error('bare specifier ' + JSON.stringify(specifier) + ' imported by ' + context.parentURL);
        }
        return next(specifier, context);
      }`;
    mod.register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { prefix: vendorUrl } });
  }
  const url = (rel) => new URL(rel, vendorUrl).href;
  const { zxcvbn, zxcvbnOptions, common, fi } = await import(url('zxcvbn.mjs'));
  zxcvbnOptions.setOptions({
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...fi.dictionary },
    translations: fi.translations,
  });
  const weak = zxcvbn('password');
  const strong = zxcvbn('korjaamo-tuulimylly-hapankaali-sininen-7');
  if (weak.score !== 0 || strong.score !== 4 || !weak.feedback.warning) {
    throw new Error(`zxcvbn smoke test failed: weak=${weak.score} strong=${strong.score}`);
  }
  const { argon2id } = await import(url('argon2.mjs'));
  if (typeof argon2id !== 'function') throw new Error('argon2.mjs does not export argon2id');
  const { default: MiniSearch } = await import(url('minisearch.mjs'));
  const { stemmer: stemFi } = await import(url('stemmers/finnish.mjs'));
  const { stemmer: stemSv } = await import(url('stemmers/swedish.mjs'));
  const { stemmer: stemEn } = await import(url('stemmers/english.mjs'));
  const index = new MiniSearch({ fields: ['text'] });
  index.add({ id: 1, text: stemFi('raporttien') });
  if (index.search(stemFi('raportti')).length !== 1 || stemSv('rapporterna') !== stemSv('rapport') || stemEn('reports') !== stemEn('report')) {
    throw new Error('minisearch/stemmers smoke test failed');
  }
  return `zxcvbn ok (password=${weak.score}, passphrase=${strong.score}), argon2id ok, minisearch + stemmers ok`;
}

async function main() {
  const forceCheck = process.argv.includes('--check');
  const outputs = new Map();

  const htmx = readPkg('htmx.org');
  outputs.set('htmx.min.js', readDep('htmx.org/dist/htmx.min.js'));

  const hashWasm = readPkg('hash-wasm');
  outputs.set('argon2.mjs', ARGON2_PREFIX + readDep('hash-wasm/dist/argon2.umd.min.js') + ARGON2_SUFFIX);

  const miniSearch = readPkg('minisearch');
  outputs.set('minisearch.mjs', stripSourceMap(readDep(MINISEARCH_FILE)));
  readPkg('uqr');
  outputs.set('uqr.mjs', stripSourceMap(readDep('uqr/dist/index.mjs')));
  readPkg('fflate');
  outputs.set('fflate.mjs', stripSourceMap(readDep('fflate/esm/browser.js')));
  const stemmers = readPkg('@orama/stemmers');
  for (const [name, file] of Object.entries(STEMMERS)) {
    outputs.set(`stemmers/${name}.mjs`, stripSourceMap(readDep(`@orama/stemmers/dist/${file}.js`)));
  }

  const { files, packages } = buildZxcvbn();
  for (const rel of [...files.keys()].sort()) outputs.set(rel, files.get(rel));
  outputs.set('zxcvbn.mjs', ZXCVBN_INDEX);

  let written = 0;
  for (const [rel, content] of outputs) if (writeIfChanged(rel, content)) written++;
  const removed = prune(ZXCVBN_DIR, new Set(files.keys()));

  let checked = '';
  if (forceCheck || written || removed) {
    try {
      checked = `; ${await check()}`;
    } catch (err) {
      die(`smoke test failed: ${err.message}`);
    }
  }

  const pkgs = [`htmx.org@${htmx.version}`, `hash-wasm@${hashWasm.version}`,
    `minisearch@${miniSearch.version}`, `@orama/stemmers@${stemmers.version}`,
    ...[...packages.values()].map((p) => `${p.name}@${p.version}`)];
  console.log(`vendor: ${outputs.size} files in webapp/static/vendor (${written} updated, ${removed} removed) ` +
    `from ${pkgs.join(', ')}${checked}`);
}

await main();
