// The demo as a test: starts a throwaway registry (bench/lib/seeded-dev.ts), runs
// `npm run demo -- --check` against it (the original nine-step lifecycle through the public API,
// then every request again, asserting nothing was recorded twice), and writes
// test-results/demo.json for the CI summary. Exits with the demo's status.
// Usage: node scripts/test-demo.ts   (npm test runs it after the graphql-http audits)
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type SeededDev, startSeededDev } from '../bench/lib/seeded-dev.ts';
import { REPO_ROOT } from '../bench/lib/wrangler.ts';

const RESULTS = path.join(REPO_ROOT, 'test-results', 'demo.json');

function runDemo(baseUrl: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'demo.ts'), '--check'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DEMO_URL: baseUrl, DEMO_TOKEN: token },
      stdio: 'inherit',
    });
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

async function main(): Promise<number> {
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  const started = performance.now();
  let dev: SeededDev | null = null;
  let status = 1;
  try {
    dev = await startSeededDev('demo-check');
    status = await runDemo(`http://127.0.0.1:${dev.server.port}`, dev.token);
    if (status !== 0) console.error(dev.server.log().split('\n').slice(-30).join('\n'));
  } catch (error) {
    console.error(error);
  } finally {
    await dev?.close();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  writeFileSync(
    RESULTS,
    `${JSON.stringify({ passed: status === 0 ? 1 : 0, failed: status === 0 ? 0 : 1, seconds })}\n`,
  );
  console.log(`demo --check: ${status === 0 ? 'passed' : 'FAILED'} in ${seconds} s`);
  return status;
}

process.exitCode = await main();
