// ESLint (flat config) for the browser modules, the service worker, the JS tests and the
// scripts. `make test` runs it; `npx eslint .` by hand.
import js from '@eslint/js';
import globals from 'globals';

export default [
  {
    ignores: ['node_modules/', 'webapp/static/vendor/', 'webapp/static/build/', '.venv/', 'build/', 'test-results/'],
  },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-var': 'error',
      'prefer-const': 'error',
      'no-unused-vars': ['error', { args: 'after-used', caughtErrors: 'none' }],
      'no-implicit-globals': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[property.name='innerHTML']", message: 'Use textContent: decrypted text is untrusted.' },
        { selector: "MemberExpression[property.name='outerHTML']", message: 'Use textContent: decrypted text is untrusted.' },
        { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: 'Build nodes instead.' },
      ],
    },
  },
  {
    files: ['webapp/static/js/**/*.js'],
    ignores: ['webapp/static/js/kdf-worker.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['webapp/static/js/kdf-worker.js'],
    languageOptions: { globals: { ...globals.worker } },
  },
  {
    files: ['webapp/static/sw.js'],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ['tests/js/**/*.js', 'scripts/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { ...globals.node } },
  },
];
