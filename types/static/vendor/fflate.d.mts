// Types of webapp/static/vendor/fflate.mjs (fflate's browser ES module, copied verbatim by
// scripts/vendor.mjs): the package's own declarations.
export * from 'fflate';
