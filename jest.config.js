/**
 * Tests run against a real Temporal dev server and a real PostgreSQL, started by the global setup, in two lanes that
 * `npm test` runs one after the other, each on servers of its own (several tests change what all share, such as the
 * official calendar, so a file must not run beside its own copy):
 *
 * - `suite`: every test file, on a worker that keeps workflows in its cache as production does;
 * - `replay-every-task`: the workflow and API tests again, on a worker that keeps no workflow in its cache, so every
 *   workflow task replays the whole history first. A workflow whose code is not deterministic under the
 *   interleavings a test makes fails there at once, instead of weeks later when a worker restarts.
 */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] };
const lane = (displayName, testMatch, setupFiles = []) => ({ displayName, testEnvironment: 'node', roots: ['<rootDir>/test'], testMatch, transform, setupFiles });

module.exports = {
  projects: [
    lane('suite', ['**/*.test.ts']),
    lane('replay-every-task', ['<rootDir>/test/workflows/**/*.test.ts', '<rootDir>/test/api/**/*.test.ts'], ['<rootDir>/test/setup/replay-every-task.ts']),
  ],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 120000,
  maxWorkers: 2,
};
