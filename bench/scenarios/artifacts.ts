// artifacts: does the single-request upload route stream, or does it hold the body?
//
// Bodies of 16 MB, 128 MB and 500 MB (quick: 16 and 64 MB), generated on the fly by the client and
// never held in its memory, are PUT through `PUT /artifacts/<id>` (the whole file in one request)
// against `wrangler dev --local` (quick: twice each), while the RSS of every process in the wrangler tree
// is sampled (bench/lib/procmem.ts: VmHWM reset before each upload and read after, plus RSS every
// 10 ms). A Worker that buffered the body would grow by at least the body's size; a streaming one
// grows by a bounded amount whatever the size. The control is the idle RSS before each upload and
// the body size itself: growth must stay far below the body and must not grow with it.
//
// One PUT carries at most 100,000,000 bytes by default (the Workers Free/Pro request body limit);
// this scenario starts its own `wrangler dev` with `--var ARTIFACT_MAX_REQUEST_BYTES:500000000`
// (the Enterprise limit, the most a deployment may configure) so that 500 MB go in one request.
// workerd also runs the local R2 simulator, which writes the object to disk: its buffers are in the
// figures too.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '../lib/graphql.ts';
import { processTree, readMemory, watchMemory } from '../lib/procmem.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import { ms, table } from '../lib/stats.ts';
import { freePort, mustRunWrangler, REPO_ROOT, wranglerEnv } from '../lib/wrangler.ts';
import { generatedBody, hashGenerated } from './similarity.ts';

const SIZES = {
  full: [16_000_000, 128_000_000, 500_000_000],
  quick: [16_000_000, 64_000_000],
};
/** Each size is uploaded this many times (the full run is long on a loaded machine). */
const ROUNDS = { full: 1, quick: 2 };
const MAX_REQUEST_BYTES = 500_000_000;
const WRANGLER_JS = fileURLToPath(
  new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url),
);

const MODEL_REGISTER = /* GraphQL */ `
  mutation Register($input: ModelRegisterInput!) {
    modelRegister(input: $input) {
      __typename ... on ModelRegisterPayload { model { id } } ... on Error { message }
    }
  }
`;
const VERSION_CREATE = /* GraphQL */ `
  mutation Version($input: ModelVersionCreateInput!) {
    modelVersionCreate(input: $input) {
      __typename ... on ModelVersionCreatePayload { modelVersion { id } } ... on Error { message }
    }
  }
`;
const CREATE_UPLOAD = /* GraphQL */ `
  mutation Create($input: ArtifactUploadCreateInput!) {
    artifactUploadCreate(input: $input) {
      __typename
      ... on ArtifactUploadCreatePayload { artifact { id upload { url } } }
      ... on Error { message }
    }
  }
`;

interface OwnServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
  log(): string;
}

/** `wrangler dev --local` with the per-request body limit raised (a var the runner's start lacks). */
async function startDevWithVars(context: ScenarioContext, token: string): Promise<OwnServer> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const logFile = join(context.workDir, 'wrangler-dev-artifacts.log');
  // The Worker is bundled once and served without watching src/: on a machine where others edit
  // the tree, a reload mid-upload would otherwise abort it (503 "worker restarted mid-request").
  const outdir = join(context.workDir, 'bundle');
  await mustRunWrangler(['deploy', '--dry-run', '--outdir', outdir], { timeoutMs: 180_000 });
  const args = [
    'dev',
    join(outdir, 'index.js'),
    '--no-bundle',
    '--config',
    join(REPO_ROOT, 'wrangler.jsonc'),
    '--local',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--inspector-ip',
    '127.0.0.1',
    '--persist-to',
    context.persistTo,
    '--show-interactive-dev-session=false',
    '--var',
    `ARTIFACT_MAX_REQUEST_BYTES:${MAX_REQUEST_BYTES}`,
  ];
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`$ wrangler ${args.join(' ')}\n`);
  const child: ChildProcess = spawn(process.execPath, [WRANGLER_JS, ...args], {
    cwd: REPO_ROOT,
    env: wranglerEnv({ WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.on('exit', onExit);
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const server: OwnServer = {
    url: `http://127.0.0.1:${port}/graphql`,
    pid: child.pid as number,
    log: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    stop: async () => {
      killGroup('SIGTERM');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 5000, 'timeout'));
      if ((await Promise.race([closed, timeout])) === 'timeout') killGroup('SIGKILL');
      process.off('exit', onExit);
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
  const until = performance.now() + 120_000;
  for (;;) {
    if (context.signal.aborted) {
      await server.stop();
      throw context.signal.reason;
    }
    if (child.exitCode !== null || performance.now() > until) {
      await server.stop();
      throw new Error(`wrangler dev did not start:\n${server.log().slice(-3000)}`);
    }
    try {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
        signal: AbortSignal.timeout(30_000),
      });
      if (response.ok && ((await response.json()) as { data?: unknown }).data) return server;
    } catch {
      // not answering yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const KiB = 1024;
const mib = (kib: number) => `${(kib / KiB).toFixed(0)} MiB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** RSS of the workerd processes and of the rest of the tree, sampled for `ms` (median). */
async function idleRss(pids: readonly number[], durationMs: number) {
  const workerd: number[] = [];
  const others: number[] = [];
  const until = performance.now() + durationMs;
  while (performance.now() < until) {
    let w = 0;
    let o = 0;
    for (const pid of pids) {
      const memory = readMemory(pid);
      if (!memory) continue;
      if (memory.name === 'workerd') w += memory.rssKiB;
      else o += memory.rssKiB;
    }
    workerd.push(w);
    others.push(o);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return { workerdKiB: median(workerd), othersKiB: median(others) };
}

export const scenario: Scenario = {
  name: 'artifacts',
  description:
    'memory of single-request artifact uploads of growing size (streamed, never buffered)',
  skipStartup: true,
  async run(context: ScenarioContext) {
    const sizes = context.quick ? SIZES.quick : SIZES.full;
    const token = context.seed.token;
    context.log(`Starting wrangler dev with ARTIFACT_MAX_REQUEST_BYTES=${MAX_REQUEST_BYTES}`);
    const server = await startDevWithVars(context, token);
    try {
      const client = createClient({
        url: server.url,
        token,
        signal: context.signal,
        maxRequests: 100,
        requestTimeoutMs: 60_000,
      });
      const model = await client.request<{ modelRegister: { model: { id: string } } }>(
        MODEL_REGISTER,
        { input: { name: 'bench-artifacts', description: 'streaming upload benchmark' } },
      );
      const version = await client.request<{
        modelVersionCreate: { modelVersion: { id: string } };
      }>(VERSION_CREATE, {
        input: { modelId: model.data.modelRegister.model.id, version: '1.0.0' },
      });
      const versionId = version.data.modelVersionCreate.modelVersion.id;
      const origin = new URL(server.url).origin;
      const pids = processTree(server.pid);
      context.log(
        `Watching ${pids.length} processes: ${pids
          .map((pid) => `${pid} ${readMemory(pid)?.name ?? '?'}`)
          .join(', ')}`,
      );

      const upload = async (name: string, size: number) => {
        const sha256 = await hashGenerated(size);
        const created = await client.request<{
          artifactUploadCreate: {
            __typename: string;
            message?: string;
            artifact?: { upload: { url: string } };
          };
        }>(CREATE_UPLOAD, {
          input: { versionId, name, kind: 'WEIGHTS', sizeBytes: size, sha256 },
        });
        const url = created.data.artifactUploadCreate.artifact?.upload.url;
        if (!url) throw new Error(`create: ${JSON.stringify(created.data)}`);
        return async () => {
          const started = performance.now();
          const response = await fetch(`${origin}${url}`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${token}`, 'content-length': String(size) },
            body: generatedBody(size),
            duplex: 'half',
            signal: AbortSignal.any([context.signal, AbortSignal.timeout(600_000)]),
          } as RequestInit);
          const text = await response.text();
          if (response.status !== 201) throw new Error(`PUT ${url}: ${response.status} ${text}`);
          return performance.now() - started;
        };
      };

      // Warm-up: the first uploads load the code paths and the R2 simulator.
      await (await upload('warm-up-1.bin', 1_000_000))();
      await (await upload('warm-up-2.bin', 16_000_000))();

      const results: Record<string, unknown>[] = [];
      const rows: string[][] = [];
      const rounds = context.quick ? ROUNDS.quick : ROUNDS.full;
      for (let round = 1; round <= rounds; round++) {
        for (const size of sizes) {
          const put = await upload(`body-${size}-${round}.bin`, size);
          const idle = await idleRss(pids, 2000);
          const watched = await watchMemory(pids, put, 10);
          const workerd = watched.memory.processes.filter((p) => p.name === 'workerd');
          const others = watched.memory.processes.filter((p) => p.name !== 'workerd');
          const sum = (list: typeof workerd, pick: (p: (typeof workerd)[number]) => number) =>
            list.reduce((total, p) => total + pick(p), 0);
          const workerdBefore = sum(workerd, (p) => p.rssBeforeKiB);
          const workerdPeak = sum(workerd, (p) => p.peakKiB);
          const workerdSampled = sum(workerd, (p) => p.sampledMaxKiB);
          const othersGrowth = sum(others, (p) => p.peakKiB - p.rssBeforeKiB);
          const growthKiB = workerdPeak - workerdBefore;
          const result = {
            round,
            bytes: size,
            ms: watched.result,
            mbPerS: size / 1e6 / (watched.result / 1000),
            idleWorkerdKiB: idle.workerdKiB,
            idleOthersKiB: idle.othersKiB,
            workerdRssBeforeKiB: workerdBefore,
            workerdPeakKiB: workerdPeak,
            workerdSampledMaxKiB: workerdSampled,
            workerdGrowthKiB: growthKiB,
            growthShareOfBody: (growthKiB * 1024) / size,
            othersPeakGrowthKiB: othersGrowth,
            peakReset: watched.memory.peakReset,
            samples: watched.memory.samples,
            processes: watched.memory.processes,
          };
          results.push(result);
          context.log(
            `round ${round}: ${mb(size)} in ${ms(watched.result)}; workerd ${mib(workerdBefore)} -> peak ${mib(workerdPeak)} (+${mib(growthKiB)}, ${(result.growthShareOfBody * 100).toFixed(1)}% of the body)`,
          );
          rows.push([
            String(round),
            mb(size),
            `${ms(watched.result)} (${result.mbPerS.toFixed(0)} MB/s)`,
            mib(idle.workerdKiB),
            mib(workerdPeak),
            `+${mib(growthKiB)}`,
            `${(result.growthShareOfBody * 100).toFixed(1)}%`,
            `+${mib(othersGrowth)}`,
          ]);
        }
      }
      const report = [
        `Single-request uploads through PUT /artifacts/<id> (wrangler dev --local; ${rounds} round(s); peak = VmHWM after a reset${results.every((r) => r.peakReset) ? '' : ' (reset refused: sampled maxima)'})`,
        table(
          [
            'round',
            'body',
            'time',
            'workerd idle RSS',
            'workerd peak RSS',
            'workerd growth',
            'growth / body',
            'wrangler (node) growth',
          ],
          rows,
        ),
      ].join('\n');
      return { report, results: { maxRequestBytes: MAX_REQUEST_BYTES, uploads: results } };
    } finally {
      await server.stop();
    }
  },
};
