// overhead (issue 20 §2): the cheapest authenticated request, `{ viewer { name } }`, against two
// control Workers under the same `wrangler dev --local`, in one run:
//
//   bare-fetch  bench/controls/bare-fetch.ts: a fetch handler answering the same JSON (no GraphQL,
//               no D1): the HTTP path through wrangler's proxy and workerd alone
//   yoga-d1     bench/controls/yoga-d1.ts: graphql-yoga, a one-field schema, one D1 select
//   registry    this Worker, with the seeded admin token (token lookup, guards, plugins, ...)
//
// All three servers run at once; after a warm-up, each round sends 1,000 requests at 20
// concurrent to each target, interleaved in slices of 250 (the targets take turns, the order
// rotating), so the targets share the machine's state as closely as a 2-core shared machine
// allows. Reported: req/s, p50/p99 per
// target and round, and the ratio registry / yoga-d1 of each round's req/s.
//
// `--profile` then CPU-profiles the registry and the yoga-d1 control (the isolate, through the
// inspector) while each answers 1,000 more requests, and prints the top functions and modules
// by self and total time; the .cpuprofile files go to bench/results/.
//
// `--baseline=<dir>` adds a fourth target: the registry built from another tree (an older commit
// unpacked with `git archive`, node_modules linked), on its own copy of the seeded database.
//
// Bounded: 3 (or 4) targets x (200 warm-up + rounds x 1,000) requests (quick: 100 + 1 x 300), 30 s per
// request, the runner's overall time limit; loopback only.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  annotateProfile,
  type CpuProfile,
  devBundleResolver,
  type ProfileSummary,
  profileDuring,
  profileReport,
  summarizeProfile,
} from '../lib/cpu-profile.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import { ms, type Summary, summarize, table } from '../lib/stats.ts';
import { type DevServer, mustRunWrangler, REPO_ROOT, startDev } from '../lib/wrangler.ts';

const SIZES = {
  full: { warmUp: 200, requests: 1000, slice: 250, rounds: 3, profiled: 1000 },
  quick: { warmUp: 100, requests: 300, slice: 100, rounds: 1, profiled: 300 },
};
const CONCURRENCY = 20;
const REQUEST_TIMEOUT_MS = 30_000;
const QUERY = '{ viewer { name } }';
/** The seeded admin's name (bench/run.ts seedSql); every target must answer it. */
const VIEWER_NAME = 'Bench Admin';
const CONTROLS = join(REPO_ROOT, 'bench', 'controls');

type TargetName = 'bare-fetch' | 'yoga-d1' | 'registry' | 'baseline';

interface Target {
  name: TargetName;
  server: DevServer;
  url: string;
  headers: Record<string, string>;
}

interface Measured {
  target: TargetName;
  round: number;
  requests: number;
  elapsedMs: number;
  requestsPerSecond: number;
  latency: Summary;
  statements: Record<string, number>;
}

async function waitUntilAnswers(target: Target, context: ScenarioContext): Promise<void> {
  const until = performance.now() + 180_000;
  for (;;) {
    if (context.signal.aborted) throw context.signal.reason;
    if (target.server.exited() || performance.now() > until) {
      throw new Error(`${target.name} did not start:\n${target.server.log().slice(-3000)}`);
    }
    try {
      await send(target, context.signal);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** One request; throws unless the answer is the viewer's name. Returns ms and D1 statements. */
async function send(
  target: Target,
  signal: AbortSignal,
): Promise<{ ms: number; statements: number }> {
  const started = performance.now();
  const response = await fetch(target.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...target.headers,
    },
    body: JSON.stringify({ query: QUERY }),
    signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
  });
  const text = await response.text();
  const elapsed = performance.now() - started;
  const body = JSON.parse(text) as { data?: { viewer?: { name?: string } } };
  if (response.status !== 200 || body.data?.viewer?.name !== VIEWER_NAME) {
    throw new Error(`${target.name}: HTTP ${response.status} ${text.slice(0, 300)}`);
  }
  return { ms: elapsed, statements: Number(response.headers.get('x-d1-statements') ?? 0) };
}

/** `count` requests at CONCURRENCY in flight; every answer is checked. */
async function load(target: Target, count: number, signal: AbortSignal) {
  const latencies: number[] = [];
  const statements: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next += 1;
        const answer = await send(target, signal);
        latencies.push(answer.ms);
        statements[answer.statements] = (statements[answer.statements] ?? 0) + 1;
      }
    }),
  );
  return { elapsedMs: performance.now() - started, latencies, statements };
}

async function startControl(
  context: ScenarioContext,
  name: 'bare-fetch' | 'yoga-d1',
  persistTo: string,
): Promise<Target> {
  const server = await startDev({
    persistTo,
    logFile: join(context.workDir, `wrangler-dev-overhead-${name}.log`),
    config: join(CONTROLS, `${name}.wrangler.jsonc`),
    watchConfig: false,
  });
  const target: Target = {
    name,
    server,
    url: `http://127.0.0.1:${server.port}/graphql`,
    headers: {},
  };
  await waitUntilAnswers(target, context);
  return target;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function run(context: ScenarioContext) {
  const size = context.quick ? SIZES.quick : SIZES.full;
  const profile = process.argv.includes('--profile');
  // The yoga-d1 control's own database: one table, the seeded admin's name.
  const controlState = join(context.workDir, 'control-state');
  await mustRunWrangler(
    [
      'd1',
      'execute',
      'DB',
      '--local',
      '--config',
      join(CONTROLS, 'yoga-d1.wrangler.jsonc'),
      '--persist-to',
      controlState,
      '--command',
      `CREATE TABLE user (id TEXT PRIMARY KEY, name TEXT NOT NULL); INSERT INTO user VALUES ('1', '${VIEWER_NAME}')`,
      '--yes',
    ],
    { timeoutMs: 60_000 },
  );

  // --baseline=<dir>: the registry as built from another tree (e.g. `git archive <rev>` unpacked,
  // node_modules linked), with its own database seeded with the same token, as a fourth target.
  const baselineDir = process.argv
    .find((arg) => arg.startsWith('--baseline='))
    ?.slice('--baseline='.length);
  const baselineState = join(context.workDir, 'baseline-state');
  if (baselineDir) {
    const config = join(resolve(baselineDir), 'wrangler.jsonc');
    await mustRunWrangler(
      [
        'd1',
        'migrations',
        'apply',
        'DB',
        '--local',
        '--config',
        config,
        '--persist-to',
        baselineState,
      ],
      { timeoutMs: 120_000 },
    );
    const seed = readdirSync(context.workDir).find((file) => file.endsWith('-seed.sql'));
    if (!seed) throw new Error(`No seed SQL file in ${context.workDir}`);
    await mustRunWrangler(
      [
        'd1',
        'execute',
        'DB',
        '--local',
        '--config',
        config,
        '--persist-to',
        baselineState,
        '--file',
        join(context.workDir, seed),
        '--yes',
      ],
      { timeoutMs: 60_000 },
    );
  }

  const { server, coldStart } = await context.startServer('overhead');
  const targets: Target[] = [];
  try {
    targets.push(await startControl(context, 'bare-fetch', controlState));
    targets.push(await startControl(context, 'yoga-d1', controlState));
    targets.push({
      name: 'registry',
      server,
      url: server.url,
      headers: { authorization: `Bearer ${context.seed.token}` },
    });
    if (baselineDir) {
      const baseline = await startDev({
        persistTo: baselineState,
        logFile: join(context.workDir, 'wrangler-dev-overhead-baseline.log'),
        config: join(resolve(baselineDir), 'wrangler.jsonc'),
        watchConfig: false,
      });
      const target: Target = {
        name: 'baseline',
        server: baseline,
        url: baseline.url,
        headers: { authorization: `Bearer ${context.seed.token}` },
      };
      targets.push(target);
      await waitUntilAnswers(target, context);
    }

    context.log(`Warm-up: ${size.warmUp} requests to each target`);
    for (const target of targets) await load(target, size.warmUp, context.signal);

    const measured: Measured[] = [];
    // Each round's 1,000 requests per target go in slices of `slice`, the targets taking turns
    // (the order rotating every slice): a burst of load from elsewhere on the machine then falls
    // on all three, not on whichever target happened to be running.
    for (let round = 1; round <= size.rounds; round++) {
      const parts = targets.map(() => ({
        elapsedMs: 0,
        latencies: [] as number[],
        statements: {} as Record<string, number>,
      }));
      const slices = Math.ceil(size.requests / size.slice);
      for (let slice = 0; slice < slices; slice++) {
        const count = Math.min(size.slice, size.requests - slice * size.slice);
        for (let turn = 0; turn < targets.length; turn++) {
          const index = (turn + slice + round) % targets.length;
          const result = await load(targets[index] as Target, count, context.signal);
          const part = parts[index] as (typeof parts)[number];
          part.elapsedMs += result.elapsedMs;
          part.latencies.push(...result.latencies);
          for (const [n, c] of Object.entries(result.statements)) {
            part.statements[n] = (part.statements[n] ?? 0) + c;
          }
        }
      }
      targets.forEach((target, index) => {
        const part = parts[index] as (typeof parts)[number];
        const latency = summarize(part.latencies);
        const requestsPerSecond = (size.requests / part.elapsedMs) * 1000;
        measured.push({
          target: target.name,
          round,
          requests: size.requests,
          elapsedMs: Math.round(part.elapsedMs),
          requestsPerSecond: Math.round(requestsPerSecond * 10) / 10,
          latency,
          statements: part.statements,
        });
        context.log(
          `round ${round} ${target.name}: ${requestsPerSecond.toFixed(0)} req/s, p50 ${ms(latency.p50)}, p99 ${ms(latency.p99)}`,
        );
      });
    }

    const profiles: Record<string, ProfileSummary> = {};
    if (profile) {
      const resultsDir = join(REPO_ROOT, 'bench', 'results');
      mkdirSync(resultsDir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      for (const target of targets.filter((t) => t.name === 'registry' || t.name === 'yoga-d1')) {
        context.log(`Profiling ${target.name} over ${size.profiled} requests`);
        const cpu: CpuProfile = annotateProfile(
          await profileDuring(target.server.inspectorPort, async () => {
            await load(target, size.profiled, context.signal);
          }),
          devBundleResolver(target.name === 'registry' ? REPO_ROOT : CONTROLS),
        );
        const file = join(resultsDir, `overhead-${target.name}-${stamp}.cpuprofile`);
        writeFileSync(file, JSON.stringify(cpu));
        profiles[target.name] = summarizeProfile(cpu);
        context.log(`Wrote ${file}`);
      }
    }

    const rows = measured.map((m) => [
      String(m.round),
      m.target,
      m.requestsPerSecond.toFixed(0),
      ms(m.latency.p50),
      ms(m.latency.p99),
      Object.entries(m.statements)
        .map(([n, count]) => `${n}${Object.keys(m.statements).length > 1 ? ` x${count}` : ''}`)
        .join(', '),
    ]);
    const ratios = Array.from({ length: size.rounds }, (_, i) => {
      const of = (name: TargetName) =>
        measured.find((m) => m.round === i + 1 && m.target === name)?.requestsPerSecond ??
        Number.NaN;
      return {
        round: i + 1,
        registryOverYoga: of('registry') / of('yoga-d1'),
        yogaOverBare: of('yoga-d1') / of('bare-fetch'),
        registryOverBare: of('registry') / of('bare-fetch'),
        registryOverBaseline: of('registry') / of('baseline'),
        baselineOverYoga: of('baseline') / of('yoga-d1'),
      };
    });
    const medianOf = (name: TargetName, pick: (m: Measured) => number) =>
      median(measured.filter((m) => m.target === name).map(pick));
    const summaryRows = targets.map((t) => [
      t.name,
      medianOf(t.name, (m) => m.requestsPerSecond).toFixed(0),
      ms(medianOf(t.name, (m) => m.latency.p50)),
      ms(medianOf(t.name, (m) => m.latency.p99)),
    ]);
    const ratioMedian = median(ratios.map((r) => r.registryOverYoga));
    const report = [
      `\`${QUERY}\`, ${size.requests} requests per target and round at ${CONCURRENCY} concurrent, client-side times`,
      table(['round', 'target', 'req/s', 'p50', 'p99', 'D1 statements'], rows),
      '',
      `Median of ${size.rounds} round(s):`,
      table(['target', 'req/s', 'p50', 'p99'], summaryRows),
      '',
      `registry / yoga-d1 req/s per round: ${ratios.map((r) => r.registryOverYoga.toFixed(2)).join(', ')} (median ${ratioMedian.toFixed(2)}; goal >= 0.85)`,
      `yoga-d1 / bare-fetch: ${ratios.map((r) => r.yogaOverBare.toFixed(2)).join(', ')}; registry / bare-fetch: ${ratios.map((r) => r.registryOverBare.toFixed(2)).join(', ')}`,
      ...(baselineDir
        ? [
            `registry / baseline (${baselineDir}): ${ratios.map((r) => r.registryOverBaseline.toFixed(2)).join(', ')}; baseline / yoga-d1: ${ratios.map((r) => r.baselineOverYoga.toFixed(2)).join(', ')}`,
          ]
        : []),
      ...Object.entries(profiles).map(([name, summary]) => `\n${profileReport(name, summary)}`),
    ].join('\n');
    return {
      report,
      results: {
        coldStart,
        concurrency: CONCURRENCY,
        measured,
        ratios,
        ratioMedian,
        profiles: Object.fromEntries(
          Object.entries(profiles).map(([name, summary]) => [
            name,
            { ...summary, byFunction: summary.byFunction.slice(0, 100) },
          ]),
        ),
      },
    };
  } finally {
    for (const target of targets) if (target.name !== 'registry') await target.server.stop();
    await context.stopServer();
  }
}

export const scenario: Scenario = {
  name: 'overhead',
  description:
    '{ viewer { name } } at 20 concurrent: this Worker against a bare fetch handler and a minimal Yoga + D1 Worker',
  skipStartup: true,
  run,
};
