// Benchmark runner: `npm run bench [-- <scenario>]` or `npx node bench/run.ts [scenario]`.
//
// For one scenario it creates a throw-away D1 database under the OS temp directory, applies the
// migrations, seeds an organization, an admin user and an API token, measures the Worker's startup
// cost (before any server runs), lets the scenario load data and start/stop `wrangler dev --local`
// (loopback only), and writes everything to bench/results/<scenario>-<timestamp>.json. The temp
// directory and every process it started are removed on the way out, also on errors, Ctrl-C and
// the overall time limit.
//
// Flags: --quick (small data, for checking the scenario), --keep (keep the temp directory),
//        --no-startup (skip the startup profile), --timeout-min=N (default 9.5); a scenario may
//        read its own (overhead: --profile).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from './lib/graphql.ts';
import type {
  ColdStart,
  Scenario,
  ScenarioContext,
  StartedServer,
  StartupResults,
} from './lib/scenario.ts';
import { organizationSeedSql } from './lib/sql.ts';
import { checkStartup, measureModuleEvaluation, WATCHED_FUNCTIONS } from './lib/startup.ts';
import { ms, summarize, table } from './lib/stats.ts';
import { type DevServer, mustRunWrangler, REPO_ROOT, startDev } from './lib/wrangler.ts';

const SCENARIOS: Record<string, () => Promise<Scenario>> = {
  'core-registry': async () => (await import('./scenarios/core-registry.ts')).scenario,
  'lineage-chain': async () => (await import('./scenarios/lineage.ts')).chainScenario,
  'lineage-dag': async () => (await import('./scenarios/lineage.ts')).dagScenario,
  lineage: async () => (await import('./scenarios/lineage.ts')).lineageScenario,
  'lineage-walk': async () => (await import('./scenarios/lineage-walk.ts')).scenario,
  'lineage-heap': async () => (await import('./scenarios/lineage-heap.ts')).scenario,
  'lineage-profile': async () => (await import('./scenarios/lineage-profile.ts')).scenario,
  'lineage-parts': async () => (await import('./scenarios/lineage-parts.ts')).scenario,
  'startup-profile': async () => (await import('./scenarios/startup-profile.ts')).scenario,
  usage: async () => (await import('./scenarios/usage.ts')).scenario,
  similarity: async () => (await import('./scenarios/similarity.ts')).scenario,
  artifacts: async () => (await import('./scenarios/artifacts.ts')).scenario,
  budget: async () => (await import('./scenarios/budget.ts')).scenario,
  load: async () => (await import('./scenarios/load.ts')).scenario,
  mlflow: async () => (await import('./scenarios/mlflow.ts')).scenario,
  otlp: async () => (await import('./scenarios/otlp.ts')).scenario,
  overhead: async () => (await import('./scenarios/overhead.ts')).scenario,
  startup: async () => (await import('./scenarios/startup.ts')).scenario,
  tracking: async () => (await import('./scenarios/tracking.ts')).scenario,
};

/** Requests any one run may send; the scenario sizes stay far below it. */
const MAX_REQUESTS = 3000;

const args = process.argv.slice(2);
const flags = new Set(args.filter((arg) => arg.startsWith('--')));
const scenarioName = args.find((arg) => !arg.startsWith('--')) ?? 'core-registry';
const timeoutMin = Number(
  [...flags].find((flag) => flag.startsWith('--timeout-min='))?.split('=')[1] ?? 9.5,
);

const [major] = process.versions.node.split('.').map(Number);
if ((major ?? 0) < 22) {
  console.error(`Node ${process.versions.node}: run this with \`npm run bench\` or \`npx node\`.`);
  process.exit(1);
}
if (!SCENARIOS[scenarioName]) {
  console.error(`Unknown scenario "${scenarioName}". Known: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}

const runStarted = performance.now();
const log = (message: string) => {
  const seconds = ((performance.now() - runStarted) / 1000).toFixed(1).padStart(6);
  console.log(`[${seconds}s] ${message}`);
};

const deadline = new AbortController();
const deadlineTimer = setTimeout(
  () => deadline.abort(new Error(`Overall time limit of ${timeoutMin} min reached`)),
  timeoutMin * 60_000,
);
deadlineTimer.unref();

const workDir = mkdtempSync(join(tmpdir(), 'model-registry-bench-'));
const persistTo = join(workDir, 'state');
let current: DevServer | null = null;
let cleanedUp = false;

async function cleanup(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  if (current) {
    const server = current;
    current = null;
    await server.stop();
  }
  if (flags.has('--keep')) log(`Kept ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    deadline.abort(new Error(signal));
    void cleanup().finally(() => process.exit(130));
  });
}

function git(...gitArgs: string[]): string {
  try {
    return execFileSync('git', gitArgs, { cwd: REPO_ROOT, encoding: 'utf8' }).trimEnd();
  } catch {
    return 'unknown';
  }
}

function compatibilityDate(): string {
  const config = readFileSync(join(REPO_ROOT, 'wrangler.jsonc'), 'utf8');
  return /"compatibility_date"\s*:\s*"([\d-]+)"/.exec(config)?.[1] ?? '2026-11-01';
}

function throwIfAborted(): void {
  if (deadline.signal.aborted) throw deadline.signal.reason;
}

let sqlFiles = 0;
async function execSql(name: string, sql: string) {
  throwIfAborted();
  if (current) throw new Error('Stop the server before executing SQL files');
  sqlFiles += 1;
  const file = join(workDir, `${String(sqlFiles).padStart(2, '0')}-${name}.sql`);
  writeFileSync(file, sql);
  const result = await mustRunWrangler(
    ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--file', file, '--yes'],
    { timeoutMs: 180_000 },
  );
  return { ms: result.ms, bytes: Buffer.byteLength(sql) };
}

const VIEWER_QUERY = '{ viewer { id } }';

async function startServer(
  label: string,
  token: string,
  vars?: Record<string, string>,
): Promise<StartedServer> {
  throwIfAborted();
  if (current) throw new Error('A server is already running');
  const server = await startDev({
    persistTo,
    logFile: join(workDir, `wrangler-dev-${label}.log`),
    vars,
  });
  current = server;
  const pollUntil = performance.now() + 120_000;
  const checkAlive = () => {
    throwIfAborted();
    if (server.exited()) throw new Error(`wrangler dev exited:\n${server.log().slice(-3000)}`);
    if (performance.now() > pollUntil) {
      throw new Error(`wrangler dev did not answer within 120 s:\n${server.log().slice(-3000)}`);
    }
  };
  // Wait for "Ready on ..." first: wrangler's proxy accepts (and holds) requests before the Worker
  // runs, so a request sent earlier would time the wait, not the request.
  while (server.readyLineAt() === null) {
    checkAlive();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Then poll until the Worker answers an authenticated request; the first success is the cold one.
  let first: { at: number; ms: number; statements: number } | null = null;
  while (!first) {
    checkAlive();
    const started = performance.now();
    try {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: VIEWER_QUERY }),
        signal: AbortSignal.any([deadline.signal, AbortSignal.timeout(60_000)]),
      });
      const body = (await response.json().catch(() => null)) as { data?: unknown } | null;
      const now = performance.now();
      if (response.ok && body?.data) {
        first = {
          at: now,
          ms: now - started,
          statements: Number(response.headers.get('x-d1-statements')),
        };
      }
    } catch {
      // not answering yet
    }
    if (!first) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const client = createClient({
    url: server.url,
    token,
    signal: deadline.signal,
    maxRequests: MAX_REQUESTS,
  });
  const following: number[] = [];
  for (let i = 0; i < 20; i++) following.push((await client.request(VIEWER_QUERY)).ms);
  const readyLine = server.readyLineAt();
  const coldStart: ColdStart = {
    label,
    spawnToReadyLineMs: readyLine === null ? null : readyLine - server.spawnedAt,
    spawnToFirstResponseMs: first.at - server.spawnedAt,
    firstRequestMs: first.ms,
    followingRequests: summarize(following),
    statements: first.statements,
  };
  log(
    `wrangler dev (${label}) answered ${ms(coldStart.spawnToFirstResponseMs)} after spawn; ` +
      `first request ${ms(first.ms)}, next ones p50 ${ms(coldStart.followingRequests.p50)}`,
  );
  return { server, client, coldStart };
}

async function stopServer(): Promise<void> {
  if (!current) return;
  const server = current;
  current = null;
  const reloads = (server.log().match(/Reloading local server/g) ?? []).length;
  if (reloads > 0) log(`WARNING: wrangler dev reloaded ${reloads} time(s): src/ changed mid-run`);
  serverReloads += reloads;
  await server.stop();
}
let serverReloads = 0;

/** The organization, admin user and token every scenario starts from. */
function seedSql() {
  const createdAtMs = Date.now() - 40 * 24 * 3600_000;
  const { sql, orgId, userId, token } = organizationSeedSql({
    name: 'bench-org',
    adminName: 'Bench Admin',
    email: 'bench-admin@example.com',
    tokenName: 'bench',
    createdAtMs,
  });
  return { sql, seed: { orgId, userId, token, createdAtMs } };
}

function formatStartup({ checkStartup: checks, moduleEvaluation: m }: StartupResults): string {
  const ok = checks.filter((check) => check.ok);
  const rows: string[][] = [];
  if (ok.length > 0) {
    const active = summarize(ok.map((check) => check.activeMs ?? Number.NaN));
    const window = summarize(ok.map((check) => check.profileWindowMs ?? Number.NaN));
    rows.push([
      'wrangler check startup: active CPU (profiled)',
      `${ms(active.p50)} median (min ${ms(active.min)}, max ${ms(active.max)}, n=${active.n})`,
    ]);
    rows.push(['wrangler check startup: profile window', `${ms(window.p50)} median`]);
    rows.push(['bundle / gzip', `${ok[0]?.bundleKiB} KiB / ${ok[0]?.gzipKiB} KiB`]);
  } else {
    rows.push(['wrangler check startup', `failed: ${checks[0]?.error?.slice(0, 300)}`]);
  }
  if (m.ok) {
    rows.push([
      'module evaluation, unprofiled (fresh workerd, minus empty-module baseline)',
      `${ms(m.moduleEvaluation?.p50)} median (min ${ms(m.moduleEvaluation?.min)}, max ${ms(m.moduleEvaluation?.max)}, n=${m.rounds})`,
    ]);
    rows.push([
      'first request to a fresh workerd that imports the Worker',
      `${ms(m.firstRequestWithWorker?.p50)} median`,
    ]);
    rows.push([
      'same, importing an empty module instead',
      `${ms(m.firstRequestBaseline?.p50)} median`,
    ]);
  } else {
    rows.push(['module evaluation (Miniflare)', `failed: ${m.error?.slice(0, 300)}`]);
  }
  const watched = WATCHED_FUNCTIONS.map((name) => {
    const times = ok.map(
      (check) => check.hotFunctions?.find((f) => f.name === name)?.inclusiveMs ?? 0,
    );
    return `${name} ${ms(summarize(times).p50)}`;
  });
  const hot = ok[0]?.hotFunctions ?? [];
  return [
    '',
    'Worker startup (no server running)',
    table(['measure', 'value'], rows),
    hot.length
      ? `Heaviest functions in startup profile 1 (inclusive ms): ${hot
          .slice(0, 8)
          .map((f) => `${f.name} ${f.inclusiveMs}`)
          .join(', ')}\nInside the profiled startup (median inclusive): ${watched.join(', ')}`
      : '',
  ].join('\n');
}

async function main() {
  const scenario = await (SCENARIOS[scenarioName] as () => Promise<Scenario>)();
  const quick = flags.has('--quick');
  log(`Scenario ${scenario.name}${quick ? ' (quick)' : ''}: ${scenario.description}`);
  log(`Work directory ${workDir}`);
  const loadBefore = loadavg();

  const migrations = await mustRunWrangler(
    ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo],
    { timeoutMs: 120_000 },
  );
  log(`Migrations applied (${ms(migrations.ms)})`);
  const { sql, seed } = seedSql();
  const seeded = await execSql('seed', sql);
  log(`Seeded organization, admin user and token (${ms(seeded.ms)})`);

  let startup: StartupResults | null = null;
  let startupReport = '';
  if (!flags.has('--no-startup') && !scenario.skipStartup) {
    // Before any server runs, so nothing else competes for the CPU.
    log('Profiling Worker startup: wrangler check startup (3 runs)');
    const checks = [];
    for (let run = 1; run <= 3; run++) {
      throwIfAborted();
      checks.push(await checkStartup(workDir, run));
    }
    throwIfAborted();
    log('Timing module evaluation in fresh workerd instances (unprofiled)');
    const moduleEvaluation = await measureModuleEvaluation(workDir, 7, compatibilityDate());
    startup = { checkStartup: checks, moduleEvaluation };
    startupReport = formatStartup(startup);
  }

  const context: ScenarioContext = {
    startup,
    quick,
    workDir,
    persistTo,
    signal: deadline.signal,
    seed,
    log,
    execSql,
    startServer: (label, vars) => startServer(label, seed.token, vars),
    stopServer,
  };
  const output = await scenario.run(context);
  await stopServer();

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${scenario.name}${quick ? '-quick' : ''}-${stamp}.json`);
  const json = {
    scenario: scenario.name,
    quick,
    date: new Date().toISOString(),
    durationS: Math.round((performance.now() - runStarted) / 100) / 10,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
      node: process.versions.node,
      platform: `${process.platform} ${process.arch}`,
    },
    code: {
      commit: git('rev-parse', 'HEAD'),
      uncommittedChanges: git('status', '--porcelain', '--', 'src', 'migrations', 'wrangler.jsonc')
        .split('\n')
        .filter(Boolean),
      wrangler: JSON.parse(
        readFileSync(join(REPO_ROOT, 'node_modules/wrangler/package.json'), 'utf8'),
      ).version,
      serverReloadsDuringRun: serverReloads,
    },
    setup: { migrationsMs: migrations.ms, seedMs: seeded.ms },
    results: output.results,
    startup: startup ?? { skipped: true },
  };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);

  console.log(`${startupReport}\n\n${output.report}\n`);
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
  console.log(
    `Machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}); load average ${load(loadBefore)} before, ${load(loadavg())} after.`,
  );
  if (serverReloads > 0) {
    console.log(
      `WARNING: wrangler dev reloaded ${serverReloads} time(s) during the run (src/ changed).`,
    );
  }
  log(`Wrote ${file}`);
}

try {
  await main();
} catch (error) {
  process.exitCode = 1;
  console.error(`\nBenchmark failed: ${error instanceof Error ? error.stack : String(error)}`);
  const running = current as DevServer | null; // assigned inside startServer()
  if (running) console.error(`\nwrangler dev log (tail):\n${running.log().slice(-3000)}`);
} finally {
  await cleanup();
  clearTimeout(deadlineTimer);
}
