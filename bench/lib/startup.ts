// Worker startup cost, measured two ways without the network:
// 1. `wrangler check startup`: builds the Worker (deploy --dry-run) and CPU-profiles its module
//    evaluation in a local workerd. We parse what it prints and attribute the profile's time to the
//    functions that spent it.
// 2. Unprofiled: the same bundle in a fresh Miniflare (workerd) instance whose fetch handler
//    imports it; the first dispatch's time minus that of an identical instance importing an empty
//    module is the cost of parsing, compiling and evaluating the Worker's modules.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attributeOne, type CpuProfile } from './inspector.ts';
import { processTree } from './procmem.ts';
import { type Summary, summarize } from './stats.ts';
import { mustRunWrangler } from './wrangler.ts';

export interface CheckStartupResult {
  ok: boolean;
  error?: string;
  wallMs: number;
  bundleKiB?: number;
  gzipKiB?: number;
  profileWindowMs?: number;
  sampledMs?: number;
  activeMs?: number;
  gcMs?: number;
  idleMs?: number;
  samples?: number;
  /** Inclusive time of the heaviest functions (a function counted once per sample). */
  hotFunctions?: { name: string; inclusiveMs: number; selfMs: number }[];
}

const number = (text: string, pattern: RegExp): number | undefined => {
  const match = pattern.exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
};

/**
 * `wrangler check startup`, on the Worker this checkout builds or, with `workerBundle`, on an
 * already built upload (another commit's `wrangler deploy --dry-run --outfile <file>`).
 */
export async function checkStartup(
  workDir: string,
  run: number | string,
  workerBundle?: string,
): Promise<CheckStartupResult> {
  const outfile = join(workDir, `worker-startup-${run}.cpuprofile`);
  const started = performance.now();
  try {
    const bundleArgs = workerBundle ? ['--worker', workerBundle] : [];
    const result = await mustRunWrangler(
      ['check', 'startup', '--outfile', outfile, ...bundleArgs],
      {
        timeoutMs: 120_000,
      },
    );
    const text = `${result.stdout}\n${result.stderr}`;
    return {
      ok: true,
      wallMs: performance.now() - started,
      bundleKiB: number(text, /Bundle: ([\d.]+) KiB/),
      gzipKiB: number(text, /gzip: ([\d.]+) KiB/),
      profileWindowMs: number(text, /Profile window: ([\d.]+) ms/),
      sampledMs: number(text, /Sampled time: ([\d.]+) ms/),
      activeMs: number(text, /Active: ([\d.]+) ms/),
      gcMs: number(text, /including ([\d.]+) ms garbage collection/),
      idleMs: number(text, /Idle: ([\d.]+) ms/),
      samples: number(text, /Samples: (\d+)/),
      hotFunctions: hotFunctions(outfile),
    };
  } catch (error) {
    return { ok: false, error: String(error), wallMs: performance.now() - started };
  }
}

/** Functions worth following across runs: schema build, its sorting, graphql 17's tracing hook. */
export const WATCHED_FUNCTIONS = [
  'toSchema',
  'lexicographicSortSchema',
  'resolveDiagnosticsChannel',
  'createYoga',
];

/**
 * Self and inclusive time per function name (bundle line numbers are meaningless, so by name): the
 * heaviest ones, plus WATCHED_FUNCTIONS.
 */
function hotFunctions(file: string, limit = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const { self, total: inclusive } = attributeOne(
    profile,
    (frame) => frame.functionName || '(anonymous)',
  );
  const skip = new Set(['(root)', '(idle)', '(program)', '(anonymous)', 'fetch', 'startup']);
  const heaviest = [...inclusive]
    .filter(([n]) => !skip.has(n))
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit);
  for (const watched of WATCHED_FUNCTIONS) {
    if (!heaviest.some(([n]) => n === watched))
      heaviest.push([watched, inclusive.get(watched) ?? 0]);
  }
  return heaviest.map(([n, t]) => ({
    name: n,
    inclusiveMs: Math.round(t * 10) / 10,
    selfMs: Math.round((self.get(n) ?? 0) * 10) / 10,
  }));
}

export interface ModuleEvalResult {
  ok: boolean;
  error?: string;
  rounds: number;
  /** First request to an instance that imports the Worker bundle on that request. */
  firstRequestWithWorker?: Summary;
  /** First request to an identical instance that imports an empty module. */
  firstRequestBaseline?: Summary;
  /** Per round: with-worker minus baseline. */
  moduleEvaluation?: Summary;
  /** Second request to the with-worker instance (module already evaluated). */
  secondRequestWithWorker?: Summary;
}

/** Builds the local Worker bundle and times its module evaluation in fresh workerd instances. */
export async function measureModuleEvaluation(
  workDir: string,
  rounds: number,
  compatibilityDate: string,
): Promise<ModuleEvalResult> {
  const outdir = join(workDir, 'dist');
  try {
    await mustRunWrangler(['deploy', '--dry-run', '--env=', '--outdir', outdir], {
      timeoutMs: 120_000,
    });
    const bundle = readFileSync(join(outdir, 'index.js'), 'utf8');
    const withWorker: number[] = [];
    const baseline: number[] = [];
    const second: number[] = [];
    const difference: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const app = await firstRequest(bundle, compatibilityDate);
      const empty = await firstRequest(null, compatibilityDate);
      withWorker.push(app.first);
      second.push(app.second);
      baseline.push(empty.first);
      difference.push(app.first - empty.first);
    }
    return {
      ok: true,
      rounds,
      firstRequestWithWorker: summarize(withWorker),
      firstRequestBaseline: summarize(baseline),
      moduleEvaluation: summarize(difference),
      secondRequestWithWorker: summarize(second),
    };
  } catch (error) {
    return { ok: false, error: String(error), rounds };
  }
}

/**
 * The first and second request to a fresh Miniflare (workerd) instance whose fetch handler imports
 * `bundle` (an ES module Worker) on the first request; with null, an empty module instead.
 */
/**
 * CPU time (ms) the workerd processes under this one have run, from every thread's
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds on CPU; Linux only, else NaN). On a loaded machine
 * wall time also counts the waits for a core; CPU time counts only the work.
 */
function workerdCpuMs(): number {
  let ns = 0;
  try {
    for (const pid of processTree(process.pid)) {
      if (pid === process.pid) continue;
      let comm = '';
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      if (comm !== 'workerd') continue;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        try {
          ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        } catch {
          // thread gone
        }
      }
    }
  } catch {
    return Number.NaN;
  }
  return ns / 1e6;
}

/** A request sent to a fresh instance that has just imported the Worker and runs its handler. */
export interface ColdRequest {
  label: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The answer must have this status and pass `check`, or the figure would time an error path. */
  status: number;
  check?: (text: string) => boolean;
}

/** Worker variables and local D1 for instances that run the Worker's own fetch handler. */
export interface ColdRequestEnvironment {
  /** `wrangler ... --persist-to` directory holding the migrated, seeded local D1. */
  persistTo: string;
  /** The D1 database_id of wrangler.jsonc (the key of the persisted database file). */
  databaseId: string;
  bindings: Record<string, string>;
}

async function firstRequest(
  bundle: string | null,
  compatibilityDate: string,
  cold?: { request: ColdRequest; environment: ColdRequestEnvironment },
  compatibilityFlags: readonly string[] = [],
): Promise<{ first: number; second: number; firstCpu: number; secondCpu: number }> {
  const { Miniflare, convertV4MiniflareOptions } = await import('miniflare');
  const importPath = bundle === null ? './empty.js' : './worker.js';
  // With a cold request, the entry hands the request to the Worker's own fetch handler right
  // after importing it, so the figure is module evaluation plus that first request.
  const entry = cold
    ? `export default { async fetch(request, env, ctx) { const worker = await import(${JSON.stringify(importPath)}); return worker.default.fetch(request, env, ctx); } };`
    : `export default { async fetch() { await import(${JSON.stringify(importPath)}); return new Response('ok'); } };`;
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      compatibilityDate,
      compatibilityFlags: [...compatibilityFlags],
      modulesRoot: '/',
      modules: [
        { type: 'ESModule', path: '/entry.mjs', contents: entry },
        { type: 'ESModule', path: '/worker.js', contents: bundle ?? 'export default {};' },
        { type: 'ESModule', path: '/empty.js', contents: 'export default {};' },
      ],
      ...(cold
        ? {
            bindings: cold.environment.bindings,
            d1Databases: { DB: cold.environment.databaseId },
            resourcePersistencePath: join(cold.environment.persistTo, 'v3'),
          }
        : {}),
    }),
  );
  const send = async () => {
    const request = cold?.request;
    const response = await mf.dispatchFetch(`http://127.0.0.1${request?.path ?? '/'}`, {
      method: request?.method ?? 'GET',
      headers: request?.headers,
      body: request?.body,
    });
    const text = await response.text();
    if (request && (response.status !== request.status || request.check?.(text) === false)) {
      throw new Error(`${request.label}: status ${response.status}: ${text.slice(0, 300)}`);
    }
  };
  try {
    await mf.ready;
    let cpuBefore = workerdCpuMs();
    let started = performance.now();
    await send();
    const first = performance.now() - started;
    const firstCpu = workerdCpuMs() - cpuBefore;
    cpuBefore = workerdCpuMs();
    started = performance.now();
    await send();
    return {
      first,
      second: performance.now() - started,
      firstCpu,
      secondCpu: workerdCpuMs() - cpuBefore,
    };
  } finally {
    await mf.dispose();
  }
}

export interface ColdRequestEvaluation {
  label: string;
  /** Per round: first request to a fresh instance (Worker imported on it) minus the empty one. */
  wall: Summary;
  cpu: Summary;
  cpuSamples: number[];
  /** The same request sent again to that instance: what it costs once warm (CPU, not subtracted). */
  warmCpu: Summary;
}

export interface BundleEvaluation {
  label: string;
  bytes: number;
  /** Per round: first request importing this bundle minus the same round's empty-module one. */
  moduleEvaluation: Summary;
  samples: number[];
  /** The same difference in workerd CPU time (all threads), less disturbed by a loaded machine. */
  moduleEvaluationCpu: Summary;
  cpuSamples: number[];
  /** One entry per `cold.requests`, in that order. */
  coldRequests: ColdRequestEvaluation[];
}

/**
 * Module evaluation of several bundles measured side by side: each round starts one fresh
 * instance per bundle and one importing an empty module, in an order that rotates every round
 * (so no bundle always runs first, or right after the baseline), and subtracts that round's
 * baseline. With `cold`, each round also starts one fresh instance per bundle and request whose
 * first request runs the Worker's handler (module evaluation + that first request), in the same
 * rotation. Same machine, same minutes: the ratios are what to read.
 */
export async function compareModuleEvaluation(
  bundles: readonly { label: string; code: string; compatibilityFlags?: readonly string[] }[],
  rounds: number,
  compatibilityDate: string,
  signal?: AbortSignal,
  cold?: { environment: ColdRequestEnvironment; requests: readonly ColdRequest[] },
): Promise<{ baseline: Summary; baselineCpu: Summary; bundles: BundleEvaluation[] }> {
  const requests = cold?.requests ?? [];
  type Slot = { bundle: number; request: number | null } | null;
  const key = (slot: Slot) => (slot === null ? 'empty' : `${slot.bundle}:${slot.request ?? '-'}`);
  const slots: Slot[] = [null];
  for (const [bundle] of bundles.entries()) {
    slots.push({ bundle, request: null });
    for (const [request] of requests.entries()) slots.push({ bundle, request });
  }
  const wall = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const warmCpu = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, slot: Slot, value: number) => {
    const list = map.get(key(slot)) ?? [];
    list.push(value);
    map.set(key(slot), list);
  };
  // One warm-up round, not recorded: the first Miniflare start of a process pays for loading it.
  await firstRequest(null, compatibilityDate);
  for (let round = 0; round < rounds; round++) {
    signal?.throwIfAborted();
    const order = slots.map((_, i) => slots[(i + round) % slots.length] as Slot);
    const results = new Map<string, Awaited<ReturnType<typeof firstRequest>>>();
    for (const slot of order) {
      const code = slot === null ? null : (bundles[slot.bundle]?.code ?? null);
      const flags = slot === null ? [] : (bundles[slot.bundle]?.compatibilityFlags ?? []);
      const request = slot?.request == null ? undefined : requests[slot.request];
      results.set(
        key(slot),
        await firstRequest(
          code,
          compatibilityDate,
          request && cold ? { request, environment: cold.environment } : undefined,
          flags,
        ),
      );
    }
    const empty = results.get('empty') ?? { first: 0, firstCpu: 0, second: 0, secondCpu: 0 };
    push(wall, null, empty.first);
    push(cpu, null, empty.firstCpu);
    for (const slot of slots) {
      if (slot === null) continue;
      const result = results.get(key(slot));
      push(wall, slot, (result?.first ?? 0) - empty.first);
      push(cpu, slot, (result?.firstCpu ?? 0) - empty.firstCpu);
      push(warmCpu, slot, result?.secondCpu ?? 0);
    }
  }
  const of = (map: Map<string, number[]>, slot: Slot) => map.get(key(slot)) ?? [];
  return {
    baseline: summarize(of(wall, null)),
    baselineCpu: summarize(of(cpu, null)),
    bundles: bundles.map((bundle, index) => {
      const slot = { bundle: index, request: null };
      return {
        label: bundle.label,
        bytes: Buffer.byteLength(bundle.code),
        moduleEvaluation: summarize(of(wall, slot)),
        samples: of(wall, slot),
        moduleEvaluationCpu: summarize(of(cpu, slot)),
        cpuSamples: of(cpu, slot),
        coldRequests: requests.map((request, requestIndex) => {
          const at = { bundle: index, request: requestIndex };
          return {
            label: request.label,
            wall: summarize(of(wall, at)),
            cpu: summarize(of(cpu, at)),
            cpuSamples: of(cpu, at),
            warmCpu: summarize(of(warmCpu, at)),
          };
        }),
      };
    }),
  };
}
