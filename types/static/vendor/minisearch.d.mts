// Types of webapp/static/vendor/minisearch.mjs (MiniSearch's ES module, copied verbatim by
// scripts/vendor.mjs): the npm package's own declarations.
export { default } from 'minisearch';
export * from 'minisearch';
