// The browser modules' import graph: every relative import resolves to a file, library
// modules never import a behaviour, and the behaviour registry names one existing file per
// data-js-* hook. Run: node --test tests/js/*.test.js
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const JS = fileURLToPath(new URL('../../webapp/static/js/', import.meta.url));
const BEHAVIORS = path.join(JS, 'behaviors');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : full.endsWith('.js') ? [full] : [];
  });
}

/** Relative specifiers of static `import ... from '...'` and `import('...')` in a file. */
function imports(file) {
  const source = readFileSync(file, 'utf8');
  const found = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm)) {
    found.push(match[2]);
  }
  return found;
}

test('every relative import resolves to an existing module', () => {
  const missing = [];
  for (const file of walk(JS)) {
    for (const spec of imports(file)) {
      const target = path.resolve(path.dirname(file), spec);
      if (!existsSync(target)) missing.push(`${path.relative(JS, file)} → ${spec}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('library modules never import a behaviour', () => {
  const offenders = [];
  for (const file of walk(JS)) {
    if (file.startsWith(BEHAVIORS + path.sep)) continue;
    if (path.relative(JS, file) === 'app.js') continue; // the entry point loads them
    for (const spec of imports(file)) {
      const target = path.resolve(path.dirname(file), spec);
      if (target.startsWith(BEHAVIORS + path.sep)) offenders.push(`${path.relative(JS, file)} → ${spec}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('behaviours live in an area folder, one file per hook', () => {
  const loose = readdirSync(BEHAVIORS).filter((name) => name.endsWith('.js') && name !== 'index.js');
  assert.deepEqual(loose, [], 'behaviours belong in behaviors/<area>/');
});

test('the registry maps every hook to an existing behaviour file, and every file to a hook', async () => {
  const { behaviors } = await import('../../webapp/static/js/behaviors/index.js');
  // Each entry is `() => import('<literal path>')` (a literal, so that the build splits it).
  const specs = Object.fromEntries(Object.entries(behaviors).map(([name, load]) => {
    const match = String(load).match(/^\(\)\s*=>\s*import\((['"])([^'"]+)\1\)$/);
    assert.ok(match, `${name}: () => import('./<area>/<file>.js')`);
    return [name, match[2]];
  }));
  const registered = Object.values(specs).map((spec) => path.resolve(BEHAVIORS, spec));
  for (const file of registered) assert.ok(existsSync(file), `${file} is missing`);
  const files = walk(BEHAVIORS).filter((file) => path.basename(file) !== 'index.js');
  assert.deepEqual(files.sort(), [...registered].sort(), 'a behaviour file without a hook');
  for (const [name, spec] of Object.entries(specs)) {
    assert.match(spec, /^\.\/[a-z]+\/[a-z-]+\.js$/, `${name}: ./<area>/<file>.js`);
  }
  const mod = await behaviors.localtime();
  assert.equal(typeof mod.default, 'function', 'a registry entry loads the behaviour module');
});

test('app.js imports no behaviour module statically (they load per hook)', () => {
  const specs = imports(path.join(JS, 'app.js'));
  // The registry, and the key store a signed-in page starts reading while they load.
  assert.deepEqual(specs, ['./behaviors/index.js', './keystore.js']);
  const index = readFileSync(path.join(BEHAVIORS, 'index.js'), 'utf8');
  assert.doesNotMatch(index, /^\s*import\s/m, 'the registry must not import behaviours');
});
