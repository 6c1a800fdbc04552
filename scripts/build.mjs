#!/usr/bin/env node
// Build the front-end with esbuild: the plain ES modules of webapp/static/js and css/app.css,
// bundled, minified, split per behaviour and content-hashed, into webapp/static/build/
// (git-ignored). The source stays loadable as it is (the node unit tests import it); the pages
// and the service worker load only what this writes.
//
//   build/app-<HASH>.js          js/app.js: the entry point of every page (its behaviours are
//                                loaded per data-js-* hook, one chunk each: login-<HASH>.js, …)
//   build/prefetch-<HASH>.js     js/prefetch.js: an async module in a signed-in page's <head>
//                                that starts reading the keys while the page is parsed
//   build/outbox-<HASH>.js       js/outbox.js, imported by the service worker (Background Sync)
//   build/kdf-worker-<HASH>.js   js/kdf-worker.js, the Web Worker deriving keys (derive.js
//                                starts it; its hashed name is defined into the build)
//   build/argon2-<HASH>.js       vendor/argon2.mjs, imported by crypto/kdf.js on the first key
//                                derivation only (worker and main thread share this one file)
//   build/zxcvbn-<HASH>.js       vendor/zxcvbn.mjs, the password strength meter's dictionaries
//                                (about 1 MB), imported by strength.js; never precached
//   build/chunk-<HASH>.js        code shared by several of the above
//   build/app-<HASH>.css         css/app.css
//   build/htmx-<HASH>.js         vendor/htmx.min.js, copied (it is minified upstream)
//   build/<file>.gz, <file>.br   every output precompressed (gzip level 9, Brotli quality 11),
//                                for the static file server to send as they are
//   build/manifest.json          {"files": {logical path → built path}, "integrity": {entry →
//                                SRI hash}, "precache": [built paths the service worker keeps],
//                                "lazy": [built paths it never keeps]}; built paths are
//                                relative to webapp/static (build/app-<HASH>.js)
//
// Deterministic (the output depends only on the sources and node_modules); files whose content
// is unchanged are not rewritten (nor compressed again), and outputs of earlier builds are
// removed. The build of the whole app takes well under a second when little changed. The
// manifest's modification time is the time of the last build, rewritten or not: in tests and
// in debug mode the app refuses (warns about) a build older than a source (webapp/assets.py).
//
// Usage: node scripts/build.mjs [--static DIR] [--outdir DIR] [--watch] [--quiet]
//   --static   the source tree holding js/, css/ and vendor/ (default webapp/static)
//   --outdir   where to write (default <static>/build)
//   --watch    build, then build again whenever something under js/, css/ or vendor/ changes

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Logical paths (relative to the static tree) of the files a page or the worker names. */
export const ENTRIES = ['js/app.js', 'js/prefetch.js', 'css/app.css', 'js/outbox.js', 'js/kdf-worker.js', 'vendor/htmx.min.js'];
const KDF_WORKER = 'js/kdf-worker.js';
const ARGON2 = 'vendor/argon2.mjs';
const HTMX = 'vendor/htmx.min.js';
const BEHAVIORS = 'js/behaviors/index.js';
// Outputs built from these sources are left out of the precache (see webapp/pwa.py).
const NOT_PRECACHED = ['vendor/zxcvbn.mjs', 'vendor/zxcvbn/'];
const WATCHED = ['js', 'css', 'vendor'];
const TARGET = 'es2022';

function die(msg) {
  console.error(`build.mjs: error: ${msg}`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = { static: path.join(ROOT, 'webapp', 'static'), outdir: null, watch: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--static' || arg === '--outdir') {
      if (!argv[i + 1]) die(`${arg} needs a directory`);
      args[arg.slice(2)] = path.resolve(argv[++i]);
    } else if (arg === '--watch') args.watch = true;
    else if (arg === '--quiet') args.quiet = true;
    else die(`unknown argument ${arg} (usage: node scripts/build.mjs [--static DIR] [--outdir DIR] [--watch] [--quiet])`);
  }
  args.outdir ??= path.join(args.static, 'build');
  return args;
}

/** A content hash in esbuild's style: 8 characters of base32 (A–Z, 2–7). */
function contentHash(bytes) {
  const digest = crypto.createHash('sha256').update(bytes).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 8) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 8) break;
  }
  return out;
}

const sri = (bytes) => `sha384-${crypto.createHash('sha384').update(bytes).digest('base64')}`;

async function loadEsbuild() {
  try {
    return await import('esbuild');
  } catch {
    return die('esbuild is not installed; run `npm ci` (or `make setup`) first');
  }
}

/**
 * One esbuild run; returns [{name, bytes, sources, imports}] (name: the output's file name in
 * outdir, sources: the input files it holds, relative to the static tree, imports: the names
 * of the outputs it imports statically) and the map entry → name.
 */
async function bundle(esbuild, staticDir, outdir, options) {
  const result = await esbuild.build({
    absWorkingDir: staticDir,
    outdir,
    bundle: true,
    format: 'esm',
    minify: true,
    target: TARGET,
    charset: 'utf8',
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    metafile: true,
    write: false,
    logLevel: 'silent',
    ...options,
  });
  const outputs = [];
  const entries = new Map();
  for (const file of result.outputFiles) {
    const name = path.basename(file.path);
    const meta = Object.entries(result.metafile.outputs).find(([out]) => path.resolve(staticDir, out) === file.path)?.[1];
    if (!meta) die(`no metafile entry for ${name}`);
    const sources = Object.keys(meta.inputs);
    // The built files this one imports statically (the browser fetches them before running it).
    const imports = meta.imports.filter((imp) => imp.kind === 'import-statement' && !imp.external).map((imp) => path.basename(imp.path));
    outputs.push({ name, bytes: Buffer.from(file.contents), sources, imports });
    if (meta.entryPoint) entries.set(meta.entryPoint, name);
  }
  return { outputs, entries };
}

/** Imports of vendor/argon2.mjs resolve to the one built argon2 file (`./<name>`). */
const argon2Plugin = (file) => ({
  name: 'argon2-file',
  setup(build) {
    build.onResolve({ filter: /(^|\/)vendor\/argon2\.mjs$/ }, () => ({ path: `./${file}`, external: true }));
  },
});

/**
 * The behaviour registry (js/behaviors/index.js): hook name → the logical path of its module.
 * Its entries are `name: () => import('./<path>')` with literal paths; any other import()
 * there stops the build (a hook whose module the manifest did not list would load without
 * its preload).
 */
export function behaviorModules(staticDir) {
  const source = fs.readFileSync(path.join(staticDir, BEHAVIORS), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, ''); // comments may name import() too
  const entry = /^\s*'?([a-z][a-z-]*)'?\s*:\s*\(\)\s*=>\s*import\(\s*'\.\/([^']+)'\s*\)\s*,?\s*$/gm;
  const modules = {};
  for (const [, name, rel] of source.matchAll(entry)) {
    if (name in modules) die(`${BEHAVIORS} names the hook ${name} twice`);
    modules[name] = path.posix.join(path.posix.dirname(BEHAVIORS), rel);
  }
  const calls = source.match(/\bimport\(/g)?.length ?? 0;
  if (calls !== Object.keys(modules).length) {
    die(`${BEHAVIORS}: ${calls} import() calls but ${Object.keys(modules).length} entries of the form \`name: () => import('./path.js')\``);
  }
  return modules;
}

/** The hooks behaviors/index.js attaches first (`export const first = [...]`), in its order. */
export function firstHooks(staticDir, modules) {
  const source = fs.readFileSync(path.join(staticDir, BEHAVIORS), 'utf8');
  const list = source.match(/^export const first = \[([^\]]*)\];$/m);
  if (!list) die(`${BEHAVIORS}: no \`export const first = ['hook', ...];\` line`);
  const hooks = [...list[1].matchAll(/'([a-z][a-z-]*)'/g)].map(([, name]) => name);
  for (const hook of hooks) if (!(hook in modules)) die(`${BEHAVIORS}: first names ${hook}, which is not a hook`);
  return hooks;
}

/** Build everything in memory: {outputs: [{name, bytes, sources, imports}], files: {logical →
 * name}, behaviors: {hook → logical path}, first: [hook]}. */
async function buildAll(esbuild, staticDir, outdir) {
  for (const rel of [...ENTRIES, ARGON2]) {
    if (!fs.existsSync(path.join(staticDir, rel))) {
      die(`${path.join(staticDir, rel)} not found${rel.startsWith('vendor/') ? ' (run `make setup`: scripts/vendor.mjs writes it)' : ''}`);
    }
  }
  const outputs = [];
  const files = {};
  const add = ({ outputs: out, entries }) => {
    outputs.push(...out);
    for (const [entry, name] of entries) files[entry] = name;
  };

  // 1. Argon2 alone (no imports), so that its name is known to the two builds that import it.
  add(await bundle(esbuild, staticDir, outdir, { entryPoints: [ARGON2] }));
  const argon2 = files[ARGON2];
  // 2. The key derivation worker: one file (no splitting) apart from Argon2.
  add(await bundle(esbuild, staticDir, outdir, { entryPoints: [KDF_WORKER], plugins: [argon2Plugin(argon2)] }));
  // 3. The app, the outbox module and the stylesheet, split per dynamic import.
  add(await bundle(esbuild, staticDir, outdir, {
    entryPoints: ['js/app.js', 'js/prefetch.js', 'js/outbox.js', 'css/app.css'],
    splitting: true,
    plugins: [argon2Plugin(argon2)],
    define: { 'import.meta.kdfWorker': JSON.stringify(`./${files[KDF_WORKER]}`) },
  }));
  // 4. htmx, a classic script, minified upstream: copied under a hashed name.
  const htmx = fs.readFileSync(path.join(staticDir, HTMX));
  const htmxName = `htmx-${contentHash(htmx)}.js`;
  outputs.push({ name: htmxName, bytes: htmx, sources: [HTMX], imports: [] });
  files[HTMX] = htmxName;

  const names = new Set();
  for (const { name } of outputs) {
    if (names.has(name)) die(`two outputs named ${name}`);
    names.add(name);
  }
  const behaviors = behaviorModules(staticDir);
  for (const [hook, module] of Object.entries(behaviors)) {
    if (!files[module]) die(`the behaviour ${hook} (${module}) was not built as a chunk of its own`);
  }
  return { outputs, files, behaviors, first: firstHooks(staticDir, behaviors) };
}

function manifestOf({ outputs, files, behaviors, first }, prefix) {
  const byName = new Map(outputs.map((out) => [out.name, out]));
  /** `name` and every output it imports statically, transitively (depth first, in order). */
  const closure = (name, seen = new Set()) => {
    if (seen.has(name)) return [];
    seen.add(name);
    return [name, ...byName.get(name).imports.flatMap((dep) => closure(dep, seen))];
  };
  const notPrecached = (src) => NOT_PRECACHED.some((skip) => src.startsWith(skip));
  const lazy = outputs.filter((out) => out.sources.some(notPrecached));
  for (const out of lazy) {
    // A file the worker leaves out must hold nothing else, or a page would miss it offline.
    const other = out.sources.filter((src) => !notPrecached(src));
    if (other.length) die(`${out.name} mixes ${other.join(', ')} with code that is not precached`);
  }
  const precache = outputs.filter((out) => !lazy.includes(out));
  const sorted = (list) => list.map((out) => prefix + out.name).sort();
  // What a page may preload (<link rel=modulepreload>, webapp/preload.py): the app's static
  // imports, and per hook its behaviour's chunk with the chunks that chunk imports statically.
  // Never what is imported on demand (Argon2, zxcvbn): those stay behind their import().
  const app = closure(files['js/app.js']).slice(1);
  // In the order app.js attaches them (index.js `first`, then by name): a page's preloads
  // come in that order, so the files of what shows the page's content arrive first.
  const order = [...first, ...Object.keys(behaviors).sort().filter((hook) => !first.includes(hook))];
  const hooks = Object.fromEntries(order.map((hook) => {
    const chunks = closure(files[behaviors[hook]]).filter((name) => !app.includes(name));
    return [hook, chunks];
  }));
  const onDemand = new Set([...lazy.map((out) => out.name), files[ARGON2]]);
  for (const [hook, chunks] of Object.entries({ 'js/app.js': app, ...hooks })) {
    const wrong = chunks.filter((name) => onDemand.has(name));
    if (wrong.length) die(`${hook} would preload ${wrong.join(', ')}, which must load on demand only`);
  }
  const paths = (names) => names.map((name) => prefix + name);
  return {
    files: Object.fromEntries(Object.keys(files).sort().map((key) => [key, prefix + files[key]])),
    integrity: Object.fromEntries(ENTRIES.map((key) => [key, sri(byName.get(files[key]).bytes)])),
    precache: sorted(precache),
    lazy: sorted(lazy),
    imports: { 'js/app.js': paths(app) },
    behaviors: Object.fromEntries(Object.entries(hooks).map(([hook, chunks]) => [hook, paths(chunks)])),
  };
}

/** Write `bytes` to `file` unless it holds them already. True when written. */
function writeIfChanged(file, bytes) {
  if (fs.existsSync(file) && fs.readFileSync(file).equals(bytes)) return false;
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
  return true;
}

const COMPRESSORS = {
  gz: (bytes) => zlib.gzipSync(bytes, { level: 9 }),
  br: (bytes) => zlib.brotliCompressSync(bytes, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  }),
};

/** Write the outputs, their compressed siblings and the manifest; remove stale files. */
function writeAll(built, outdir) {
  fs.mkdirSync(outdir, { recursive: true });
  const keep = new Set(['manifest.json']);
  let written = 0;
  for (const { name, bytes } of built.outputs) {
    const file = path.join(outdir, name);
    const changed = writeIfChanged(file, bytes);
    if (changed) written++;
    keep.add(name);
    for (const [ext, compress] of Object.entries(COMPRESSORS)) {
      keep.add(`${name}.${ext}`);
      if (changed || !fs.existsSync(`${file}.${ext}`)) writeIfChanged(`${file}.${ext}`, compress(bytes));
    }
  }
  const prefix = `${path.basename(outdir)}/`;
  const manifest = manifestOf(built, prefix);
  const manifestFile = path.join(outdir, 'manifest.json');
  if (writeIfChanged(manifestFile, Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`))) written++;
  else {
    // Its time says when the build last ran (webapp/assets.py compares it with the sources).
    const now = new Date();
    fs.utimesSync(manifestFile, now, now);
  }
  let removed = 0;
  for (const name of fs.readdirSync(outdir)) {
    if (!keep.has(name)) {
      fs.rmSync(path.join(outdir, name), { recursive: true, force: true });
      removed++;
    }
  }
  return { written, removed, manifest };
}

async function buildOnce(esbuild, args) {
  const started = performance.now();
  let built;
  try {
    built = await buildAll(esbuild, args.static, args.outdir);
  } catch (err) {
    const messages = err?.errors?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`);
    throw new Error(messages?.length ? messages.join('\n') : String(err?.message || err));
  }
  const { written, removed, manifest } = writeAll(built, args.outdir);
  if (!args.quiet) {
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    const sizeOf = (rel) => fs.statSync(path.join(args.outdir, path.basename(rel))).size;
    const precached = manifest.precache.reduce((sum, rel) => sum + sizeOf(rel), 0);
    const precachedBr = manifest.precache.reduce((sum, rel) => sum + sizeOf(`${rel}.br`), 0);
    console.log(`build: ${built.outputs.length} files in ${path.relative(process.cwd(), args.outdir) || '.'} ` +
      `(${written} updated, ${removed} removed); precache ${manifest.precache.length} files, ` +
      `${kb(precached)} (${kb(precachedBr)} brotli); ${Math.round(performance.now() - started)} ms`);
  }
}

async function watch(esbuild, args) {
  let timer = null;
  let running = Promise.resolve();
  const rebuild = () => {
    running = running.then(() => buildOnce(esbuild, args)).catch((err) => console.error(`build: ${err.message}`));
  };
  for (const dir of WATCHED) {
    const abs = path.join(args.static, dir);
    if (!fs.existsSync(abs)) continue;
    fs.watch(abs, { recursive: true }, (_event, file) => {
      if (file && /\.tmp-\d+$/.test(String(file))) return;
      clearTimeout(timer);
      timer = setTimeout(rebuild, 100);
    });
  }
  console.log(`build: watching ${WATCHED.map((dir) => path.join(path.relative(process.cwd(), args.static), dir)).join(', ')} (Ctrl-C stops)`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const esbuild = await loadEsbuild();
  try {
    await buildOnce(esbuild, args);
  } catch (err) {
    if (!args.watch) die(err.message);
    console.error(`build: ${err.message}`);
  }
  if (args.watch) await watch(esbuild, args);
}

await main();
