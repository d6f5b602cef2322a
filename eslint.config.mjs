// Lint rules that keep the architecture honest. The important one: workflow code runs in Temporal's
// deterministic sandbox, so it must not reach Node builtins, the database, the web server or activity code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http',
  'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url',
  'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['jest.config.js', 'test/support/summary-reporter.js', 'node_modules/**', 'dist/**', 'data/**', '.tools/**', 'coverage/**', 'test-results/**', 'web/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read loosely typed JSON responses.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['web/**/*.js'],
    languageOptions: { globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', localStorage: 'readonly', location: 'readonly', console: 'readonly', URLSearchParams: 'readonly', FormData: 'readonly', URL: 'readonly', XMLHttpRequest: 'readonly', history: 'readonly' } },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code runs in the deterministic sandbox: no Node builtins.' })),
          { name: 'pg', message: 'Workflows must not touch the database; use an activity.' },
          { name: 'express', message: 'Workflows must not import the web server.' },
        ],
        patterns: [
          { group: ['node:*'], message: 'Workflow code runs in the deterministic sandbox: no Node builtins.' },
          { group: ['../activities', '../activities/*', '../../activities/*'], allowTypeImports: true,
            message: 'Import activities with `import type` only and call them through proxyActivities.' },
          { group: ['../db/*', '../api/*', '../platform/*', '../worker/*'], message: 'Workflows may import contracts, domain rules and types only.' },
        ],
      }],
    },
  },
);
