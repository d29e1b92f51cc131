// artifacts: does the artifact upload route stream, and whose memory grows during a large upload?
//
// The same bodies, generated on the fly by the client and never held in its memory, go to four
// Workers, each in its own fresh `wrangler dev --local` (same wrangler, same workerd, same local R2
// simulator, same persisted state directory):
//   registry        our Worker: PUT /artifacts/<id> (whole file), PUT /artifacts/<id>/parts/<n>
//   r2-put          bench/controls/upload-control.ts: env.ARTIFACTS.put(key, request.body,
//                   { sha256 }), the R2 call our route makes, with no code of ours (no auth, no
//                   D1, no FixedLengthStream); parts through uploadPart(request.body)
//   r2-put-js-hash  the same put after the hashing TransformStream our route used on whole bodies
//                   until 2026-11-26 (every chunk through JavaScript); parts as r2-put
//   discard         the control Worker reading the body and dropping it: no R2 at all
// Single PUTs of 16, 128 and 500 MB (quick: 16 and 64 MB), then one multipart upload of 4 parts
// of 64 MB (quick: 2 of 16 MB), each part measured on its own, then its completion.
// `--targets=registry,discard` runs only those. While each upload runs, the RSS of every process
// of the wrangler tree is watched (bench/lib/procmem.ts: VmHWM reset before and read after, plus
// RSS every 10 ms). Growth = peak minus RSS just before; "after" is the RSS 2 s after the upload
// ended. If our route grows like r2-put, the growth is the simulator's; if r2-put grows like
// discard, it is workerd's request path, not R2.
//
// One PUT carries at most 100,000,000 bytes by default (the Workers Free/Pro request body limit);
// the registry runs with `--var ARTIFACT_MAX_REQUEST_BYTES:500000000` (the Enterprise limit, the
// most a deployment may configure) so that 500 MB go in one request.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createClient } from '../lib/graphql.ts';
import { processTree, readMemory, watchMemory } from '../lib/procmem.ts';
import type { Scenario, ScenarioContext } from '../lib/scenario.ts';
import { ms, table } from '../lib/stats.ts';
import { type DevServer, mustRunWrangler, REPO_ROOT, startDev } from '../lib/wrangler.ts';
import { generatedBody } from './similarity.ts';

const SIZES = {
  full: [16_000_000, 128_000_000, 500_000_000],
  quick: [16_000_000, 64_000_000],
};
const MULTIPART = {
  full: { parts: 4, partSize: 64_000_000 },
  quick: { parts: 2, partSize: 16_000_000 },
};
const MAX_REQUEST_BYTES = 500_000_000;
const CONTROL_CONFIG = join(REPO_ROOT, 'bench', 'controls', 'wrangler.jsonc');

type ControlName = 'r2-put' | 'r2-put-js-hash' | 'discard';
type TargetName = 'registry' | ControlName;
const TARGETS: TargetName[] = ['registry', 'r2-put', 'r2-put-js-hash', 'discard'];

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
const COMPLETE_UPLOAD = /* GraphQL */ `
  mutation Complete($input: ArtifactUploadCompleteInput!) {
    artifactUploadComplete(input: $input) {
      __typename
      ... on ArtifactUploadCompletePayload { artifact { status sizeBytes } }
      ... on Error { message }
    }
  }
`;

const KiB = 1024;
const mib = (kib: number) => `${(kib / KiB).toFixed(0)} MiB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const signed = (kib: number) => `${kib < 0 ? '-' : '+'}${mib(Math.abs(kib))}`;

async function sha256Of(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest();
}

/** How one target receives a whole body and a multipart upload. */
interface Target {
  name: TargetName;
  server: DevServer;
  /** Prepares one single-request upload; the returned function sends it. */
  single(label: string, size: number): Promise<() => Promise<void>>;
  /** Prepares a multipart upload; `part(n)` sends part n (1-based), `complete()` finishes it. */
  multipart(
    label: string,
    parts: number,
    partSize: number,
  ): Promise<{ part(n: number): Promise<void>; complete(): Promise<void> }>;
}

async function put(url: string, size: number, offset: number, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'PUT',
    headers: { ...headers, 'content-length': String(size) },
    body: generatedBody(size, offset),
    duplex: 'half',
    signal: AbortSignal.timeout(900_000),
  } as RequestInit);
  const text = await response.text();
  if (response.status >= 300) throw new Error(`PUT ${url}: ${response.status} ${text}`);
  return text;
}

async function waitUntil(
  server: DevServer,
  context: ScenarioContext,
  ready: () => Promise<boolean>,
) {
  const until = performance.now() + 180_000;
  for (;;) {
    if (context.signal.aborted) throw context.signal.reason;
    if (server.exited() || performance.now() > until) {
      throw new Error(`wrangler dev did not start:\n${server.log().slice(-3000)}`);
    }
    try {
      if (await ready()) return;
    } catch {
      // not answering yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function startRegistry(context: ScenarioContext, bundle: string): Promise<Target> {
  const token = context.seed.token;
  // The prebuilt bundle, with config watching off: on a machine where others edit the tree, a
  // reload mid-upload would otherwise abort it (503 "worker restarted mid-request").
  const server = await startDev({
    persistTo: context.persistTo,
    logFile: join(context.workDir, 'wrangler-dev-artifacts-registry.log'),
    entry: bundle,
    noBundle: true,
    config: join(REPO_ROOT, 'wrangler.jsonc'),
    vars: { ARTIFACT_MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES) },
    watchConfig: false,
  });
  const client = createClient({
    url: server.url,
    token,
    signal: context.signal,
    maxRequests: 200,
    requestTimeoutMs: 120_000,
  });
  await waitUntil(server, context, async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
      signal: AbortSignal.timeout(30_000),
    });
    return response.ok && Boolean(((await response.json()) as { data?: unknown }).data);
  });
  const model = await client.request<{ modelRegister: { model: { id: string } } }>(MODEL_REGISTER, {
    input: { name: `bench-artifacts-${Date.now()}`, description: 'upload memory benchmark' },
  });
  const version = await client.request<{
    modelVersionCreate: { modelVersion: { id: string } };
  }>(VERSION_CREATE, { input: { modelId: model.data.modelRegister.model.id, version: '1.0.0' } });
  const versionId = version.data.modelVersionCreate.modelVersion.id;
  const origin = `http://127.0.0.1:${server.port}`;
  const auth = { authorization: `Bearer ${token}` };
  const create = async (input: Record<string, unknown>) => {
    const created = await client.request<{
      artifactUploadCreate: { artifact?: { id: string; upload: { url: string } } };
    }>(CREATE_UPLOAD, { input: { versionId, kind: 'WEIGHTS', ...input } });
    const artifact = created.data.artifactUploadCreate.artifact;
    if (!artifact) throw new Error(`create: ${JSON.stringify(created.data)}`);
    return artifact;
  };
  return {
    name: 'registry',
    server,
    async single(label, size) {
      const sha256 = (await sha256Of(generatedBody(size))).toString('hex');
      const { upload } = await create({ name: `${label}.bin`, sizeBytes: size, sha256 });
      return async () => {
        await put(`${origin}${upload.url}`, size, 0, auth);
      };
    },
    async multipart(label, parts, partSize) {
      const digests: Buffer[] = [];
      for (let n = 0; n < parts; n++) {
        digests.push(await sha256Of(generatedBody(partSize, n * partSize)));
      }
      const artifact = await create({
        name: `${label}.bin`,
        sizeBytes: parts * partSize,
        sha256: (await sha256Of(generatedBody(parts * partSize))).toString('hex'),
        multipart: true,
        partSize,
        compositeSha256: createHash('sha256').update(Buffer.concat(digests)).digest('hex'),
      });
      return {
        part: async (n) => {
          await put(`${origin}${artifact.upload.url}/parts/${n}`, partSize, (n - 1) * partSize, {
            ...auth,
            'x-part-sha256': (digests[n - 1] as Buffer).toString('hex'),
          });
        },
        complete: async () => {
          const done = await client.request<{
            artifactUploadComplete: { __typename: string; message?: string };
          }>(COMPLETE_UPLOAD, { input: { artifactId: artifact.id } });
          if (done.data.artifactUploadComplete.__typename !== 'ArtifactUploadCompletePayload') {
            throw new Error(`complete: ${JSON.stringify(done.data)}`);
          }
        },
      };
    },
  };
}

async function startControl(context: ScenarioContext, name: ControlName): Promise<Target> {
  const server = await startDev({
    persistTo: context.persistTo,
    logFile: join(context.workDir, `wrangler-dev-artifacts-${name}.log`),
    config: CONTROL_CONFIG,
    watchConfig: false,
  });
  const origin = `http://127.0.0.1:${server.port}`;
  await waitUntil(server, context, async () => (await fetch(`${origin}/ready`)).status === 404);
  const run = `${Date.now()}`;
  return {
    name,
    server,
    async single(label, size) {
      if (name === 'discard') return async () => void (await put(`${origin}/discard`, size, 0, {}));
      // The same R2 call as our route: the declared SHA-256 goes with the put, for R2 to check.
      const sha256 = (await sha256Of(generatedBody(size))).toString('hex');
      const path = name === 'r2-put' ? 'put' : 'put-js-hash';
      return async () => {
        await put(`${origin}/${path}/${run}-${label}`, size, 0, { 'x-sha256': sha256 });
      };
    },
    async multipart(label, _parts, partSize) {
      // uploadPart takes no checksum; the js-hash control sends its parts as plainly as r2-put.
      if (name === 'discard') {
        return {
          part: async (n) => {
            await put(`${origin}/discard`, partSize, (n - 1) * partSize, {});
          },
          complete: async () => undefined,
        };
      }
      const key = `${run}-${label}`;
      const created = await fetch(`${origin}/mpu/${key}`, { method: 'POST' });
      const { uploadId } = (await created.json()) as { uploadId: string };
      const uploaded: { partNumber: number; etag: string }[] = [];
      return {
        part: async (n) => {
          const text = await put(
            `${origin}/mpu/${key}/${uploadId}/${n}`,
            partSize,
            (n - 1) * partSize,
            {},
          );
          uploaded.push(JSON.parse(text) as { partNumber: number; etag: string });
        },
        complete: async () => {
          const response = await fetch(`${origin}/mpu/${key}/${uploadId}`, {
            method: 'POST',
            body: JSON.stringify(uploaded),
          });
          if (!response.ok)
            throw new Error(`complete: ${response.status} ${await response.text()}`);
        },
      };
    },
  };
}

/** RSS of the workerd processes and of the rest of the tree, sampled for `ms` (median). */
async function rssOf(pids: readonly number[], durationMs: number) {
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

interface Measured {
  target: TargetName;
  upload: string;
  bytes: number;
  ms: number;
  mbPerS: number;
  idleWorkerdKiB: number;
  workerdRssBeforeKiB: number;
  workerdPeakKiB: number;
  workerdSampledMaxKiB: number;
  workerdGrowthKiB: number;
  growthShareOfBody: number;
  workerdAfterKiB: number;
  othersPeakGrowthKiB: number;
  peakReset: boolean;
  processes: unknown;
}

async function measure(
  target: TargetName,
  upload: string,
  bytes: number,
  pids: readonly number[],
  work: () => Promise<void>,
): Promise<Measured> {
  const idle = await rssOf(pids, 2000);
  const started = performance.now();
  const watched = await watchMemory(pids, work, 10);
  const elapsed = performance.now() - started;
  const after = await rssOf(pids, 2000);
  const workerd = watched.memory.processes.filter((p) => p.name === 'workerd');
  const others = watched.memory.processes.filter((p) => p.name !== 'workerd');
  const sum = (list: typeof workerd, pick: (p: (typeof workerd)[number]) => number) =>
    list.reduce((total, p) => total + pick(p), 0);
  const before = sum(workerd, (p) => p.rssBeforeKiB);
  const peak = sum(workerd, (p) => p.peakKiB);
  const growth = peak - before;
  return {
    target,
    upload,
    bytes,
    ms: elapsed,
    mbPerS: bytes / 1e6 / (elapsed / 1000),
    idleWorkerdKiB: idle.workerdKiB,
    workerdRssBeforeKiB: before,
    workerdPeakKiB: peak,
    workerdSampledMaxKiB: sum(workerd, (p) => p.sampledMaxKiB),
    workerdGrowthKiB: growth,
    growthShareOfBody: bytes > 0 ? (growth * 1024) / bytes : 0,
    workerdAfterKiB: after.workerdKiB,
    othersPeakGrowthKiB: sum(others, (p) => p.peakKiB - p.rssBeforeKiB),
    peakReset: watched.memory.peakReset,
    processes: watched.memory.processes,
  };
}

export const scenario: Scenario = {
  name: 'artifacts',
  description:
    'memory of artifact uploads through our route versus control Workers (R2 only; no R2)',
  skipStartup: true,
  async run(context: ScenarioContext) {
    const sizes = context.quick ? SIZES.quick : SIZES.full;
    const { parts, partSize } = context.quick ? MULTIPART.quick : MULTIPART.full;
    const bundle = join(context.workDir, 'bundle');
    context.log('Bundling the Worker once (wrangler deploy --dry-run)');
    await mustRunWrangler(['deploy', '--dry-run', '--outdir', bundle], { timeoutMs: 180_000 });

    // `--targets=registry,r2-put` runs some of them only.
    const only = process.argv
      .find((arg) => arg.startsWith('--targets='))
      ?.slice('--targets='.length)
      .split(',');
    const targets = only ? TARGETS.filter((name) => only.includes(name)) : TARGETS;
    const results: Measured[] = [];
    for (const name of targets) {
      context.log(`Starting ${name}`);
      const target =
        name === 'registry'
          ? await startRegistry(context, join(bundle, 'index.js'))
          : await startControl(context, name);
      try {
        const pids = processTree(target.server.pid as number);
        context.log(
          `${name}: watching ${pids.map((pid) => `${pid} ${readMemory(pid)?.name ?? '?'}`).join(', ')}`,
        );
        // Warm-up: the first uploads load the code paths and the R2 simulator.
        await (await target.single('warm-up-1', 1_000_000))();
        await (await target.single('warm-up-2', 16_000_000))();
        for (const size of sizes) {
          const send = await target.single(`body-${size}`, size);
          const result = await measure(name, 'single PUT', size, pids, send);
          results.push(result);
          context.log(
            `${name}: ${mb(size)} in ${ms(result.ms)}; workerd ${mib(result.workerdRssBeforeKiB)} -> peak ${mib(result.workerdPeakKiB)} (${signed(result.workerdGrowthKiB)}), ${mib(result.workerdAfterKiB)} after`,
          );
        }
        const upload = await target.multipart(`multipart-${parts}x${partSize}`, parts, partSize);
        // Each part is its own request, measured on its own: growth that each part adds again
        // would follow the file; growth that stops after the first part is bounded by one part.
        const firstPartBefore = (await rssOf(pids, 500)).workerdKiB;
        for (let n = 1; n <= parts; n++) {
          const partResult = await measure(name, `part ${n}/${parts}`, partSize, pids, () =>
            upload.part(n),
          );
          results.push(partResult);
          context.log(
            `${name}: part ${n} in ${ms(partResult.ms)}, growth ${signed(partResult.workerdGrowthKiB)}, ${mib(partResult.workerdAfterKiB)} after (${signed(partResult.workerdAfterKiB - firstPartBefore)} since part 1)`,
          );
        }
        const completeResult = await measure(name, 'complete', 0, pids, upload.complete);
        results.push(completeResult);
        context.log(
          `${name}: complete ${ms(completeResult.ms)}, growth ${signed(completeResult.workerdGrowthKiB)}`,
        );
      } finally {
        await target.server.stop();
      }
    }

    const rows = results.map((r) => [
      r.target,
      r.upload,
      r.bytes ? mb(r.bytes) : '-',
      `${ms(r.ms)}${r.bytes ? ` (${r.mbPerS.toFixed(0)} MB/s)` : ''}`,
      mib(r.workerdRssBeforeKiB),
      mib(r.workerdPeakKiB),
      signed(r.workerdGrowthKiB),
      r.bytes ? `${(r.growthShareOfBody * 100).toFixed(0)}%` : '-',
      mib(r.workerdAfterKiB),
      signed(r.othersPeakGrowthKiB),
    ]);
    const report = [
      `Uploads through our route and two control Workers (wrangler dev --local, a fresh server each; peak = VmHWM after a reset${results.every((r) => r.peakReset) ? '' : ' (reset refused: sampled maxima)'})`,
      table(
        [
          'target',
          'upload',
          'body',
          'time',
          'workerd before',
          'workerd peak',
          'growth',
          'growth / body',
          'workerd 2 s after',
          'wrangler (node) growth',
        ],
        rows,
      ),
    ].join('\n');
    return {
      report,
      results: {
        maxRequestBytes: MAX_REQUEST_BYTES,
        multipart: { parts, partSize },
        uploads: results,
      },
    };
  },
};
