// Types of webapp/static/vendor/argon2.mjs (hash-wasm's ES module, copied by scripts/vendor.mjs):
// the same API as the npm package, whose own declarations these reuse. tsc reads this instead
// of checking the minified bundle (jsconfig.json, rootDirs).
export { argon2id } from 'hash-wasm';
