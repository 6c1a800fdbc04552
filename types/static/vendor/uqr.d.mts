// Types of webapp/static/vendor/uqr.mjs (uqr's ES module, copied verbatim by
// scripts/vendor.mjs): the npm package's own declarations.
export * from 'uqr';
