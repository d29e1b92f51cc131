// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON report and the browser
// test's (test-results/browser.json). A failed step outside them (schema drift, codegen, type check,
// dry-run deploy, a browser test that could not start) counts as one failure.
// Usage: test-summary.mjs <npm test status> [<browser test status>]
import { existsSync, readFileSync } from 'node:fs';

const status = Number(process.argv[2] ?? '0');
const browserStatus = process.argv[3] === undefined ? null : Number(process.argv[3]);
let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync('test-results/vitest.json')) {
  const report = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
if (status !== 0 && failed === 0) failed = 1;
if (browserStatus !== null) {
  let browserPassed = 0;
  let browserFailed = 0;
  if (existsSync('test-results/browser.json')) {
    const report = JSON.parse(readFileSync('test-results/browser.json', 'utf8'));
    browserPassed = report.passed ?? 0;
    browserFailed = report.failed ?? 0;
  }
  if (browserStatus !== 0 && browserFailed === 0) browserFailed = 1;
  passed += browserPassed;
  failed += browserFailed;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
