// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON reports (workerd suite and
// client tests), the graphql-http audits' (test-results/http-audits.json, written by scripts/test-http-audits.ts after vitest: a
// passing audit of any level is a pass, a failing MUST a failure, failing SHOULD/MAY audits are
// listed but counted as neither), the demo check's (test-results/demo.json, one test) and the browser test's (test-results/browser.json). A failed step outside them (schema drift, codegen, type check,
// dry-run deploy, a browser test that could not start) counts as one failure.
// Usage: test-summary.mjs <npm test status> [<browser test status>]
import { existsSync, readFileSync, statSync } from 'node:fs';

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
// The client tests (vitest.clients.config.ts, right after the workerd suite): this run's only.
const CLIENTS = 'test-results/clients.json';
if (
  existsSync(CLIENTS) &&
  (!existsSync('test-results/vitest.json') ||
    statSync(CLIENTS).mtimeMs >= statSync('test-results/vitest.json').mtimeMs)
) {
  const report = JSON.parse(readFileSync(CLIENTS, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  console.log(
    `client tests: ${report.numPassedTests ?? 0} passed, ${report.numFailedTests ?? 0} failed`,
  );
}
// Only an audit report from this run counts: one older than vitest's is from an earlier run.
const AUDITS = 'test-results/http-audits.json';
if (
  existsSync(AUDITS) &&
  (!existsSync('test-results/vitest.json') ||
    statSync(AUDITS).mtimeMs >= statSync('test-results/vitest.json').mtimeMs)
) {
  const audits = JSON.parse(readFileSync(AUDITS, 'utf8'));
  passed += audits.passed ?? 0;
  failed += audits.failed ?? 0;
  for (const detail of audits.details ?? []) {
    if (detail.status !== 'ok') console.log(`graphql-http ${detail.status}: ${detail.name}`);
  }
  console.log(
    `graphql-http audits: ${audits.passed ?? 0} passed, ${audits.failed ?? 0} MUST failed, ${audits.warnings ?? 0} SHOULD warnings, ${audits.notices ?? 0} MAY notices`,
  );
}
// The demo check (scripts/test-demo.ts, after the audits) is one test; likewise only this run's.
const DEMO = 'test-results/demo.json';
if (
  existsSync(DEMO) &&
  (!existsSync('test-results/vitest.json') ||
    statSync(DEMO).mtimeMs >= statSync('test-results/vitest.json').mtimeMs)
) {
  const demo = JSON.parse(readFileSync(DEMO, 'utf8'));
  passed += demo.passed ?? 0;
  failed += demo.failed ?? 0;
  console.log(`demo --check: ${demo.failed ? 'failed' : 'passed'} (${demo.seconds} s)`);
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
