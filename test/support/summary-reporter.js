// Writes the run's counts to test-results/summary-<lane>.json (TEST_LANE, default suite), so .ci/run can add up the
// lanes and end with the plain "N passed, N failed" line.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = path.join(this.rootDir, 'test-results');
    fs.mkdirSync(dir, { recursive: true });
    const summary = {
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
      suites: results.numTotalTestSuites,
    };
    fs.writeFileSync(path.join(dir, `summary-${process.env.TEST_LANE || 'suite'}.json`), JSON.stringify(summary, null, 2));
  }
}

module.exports = SummaryReporter;
