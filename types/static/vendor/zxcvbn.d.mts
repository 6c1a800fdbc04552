// Types of webapp/static/vendor/zxcvbn.mjs (written by scripts/vendor.mjs: zxcvbn-ts's core
// and its common and Finnish dictionaries in one module), reusing the npm packages' own
// declarations. tsc reads this instead of checking the vendored files (jsconfig.json, rootDirs).
export { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core';
export * as common from '@zxcvbn-ts/language-common';
export * as fi from '@zxcvbn-ts/language-fi';
