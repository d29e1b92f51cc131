// Scenario `startup` (issue 20 section 4): the production Worker's size and module evaluation
// time, this checkout against a base commit (default `main`), measured side by side in one run.
//
// Both bundles are built the way they deploy: `wrangler deploy --dry-run --env production
// --outdir` (the base from `git archive <ref>` into the work directory, with this checkout's
// node_modules). Then, in rounds whose order rotates, a fresh workerd (Miniflare) per bundle and
// one importing an empty module: first-request time minus the empty one's is parse + compile +
// evaluation of the Worker. In the same rounds, a fresh workerd per bundle and request whose first
// request runs the Worker's handler with production's variables and the runner's seeded local D1:
// the cold first GraphQL request (`{ viewer { id name } }`), the cold first mutation (`modelArchive`
// of a missing model, answered NotFoundError as data) and the cold first REST request
// (`GET /api/models`), each minus the empty one, i.e. module evaluation + everything that first
// request builds and runs. Last, `wrangler check startup --worker <bundle>` profiles each bundle
// (3 runs each, alternating) and names where the CPU went.
//
//   npx node bench/run.ts startup                 # against main
//   npx node bench/run.ts startup --base=76ec14b  # against any commit
//   npx node bench/run.ts startup --quick         # 5 rounds instead of 15
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCTION_VARS } from '../../scripts/production-vars.ts';
import { encodeGlobalID } from '../../src/global-id.ts';
import type { Scenario } from '../lib/scenario.ts';
import {
  type CheckStartupResult,
  type ColdRequest,
  checkStartup,
  compareModuleEvaluation,
  WATCHED_FUNCTIONS,
} from '../lib/startup.ts';
import { ms, summarize, table } from '../lib/stats.ts';
import { mustRunWrangler, REPO_ROOT } from '../lib/wrangler.ts';

const PROFILE_RUNS = 3;

/** A model id no seed has: the cold mutation is answered NotFoundError. */
const MISSING_MODEL = '00000000-0000-7000-8000-000000000000';

export function coldRequests(token: string): ColdRequest[] {
  const authorization = `Bearer ${token}`;
  return [
    {
      label: 'cold first GraphQL request `{ viewer { id name } }`',
      path: '/graphql',
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { id name } }' }),
      status: 200,
      check: (text) => text.includes('"viewer"') && !text.includes('"errors"'),
    },
    {
      // A mutation that reads and answers an error as data, the same every time: Mutation's
      // fields and the errors plugin's path, no write (the model does not exist).
      label: 'cold first mutation `modelArchive` (NotFoundError as data)',
      path: '/graphql',
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation { modelArchive(input: { modelId: "${encodeGlobalID('Model', MISSING_MODEL)}" }) { __typename ... on NotFoundError { message } } }`,
      }),
      status: 200,
      check: (text) => text.includes('"NotFoundError"') && !text.includes('"errors"'),
    },
    {
      label: 'cold first REST request `GET /api/models`',
      path: '/api/models',
      headers: { authorization },
      status: 200,
    },
  ];
}

interface Built {
  label: string;
  ref: string;
  /** The main module, for Miniflare. */
  file: string;
  /** The multipart upload wrangler would send (`--outfile`), for `wrangler check startup --worker`. */
  upload: string;
  code: string;
  /** wrangler.jsonc's compatibility_flags of the tree it was built from. */
  compatibilityFlags: string[];
  /** What wrangler printed as "Total Upload". */
  uploadKiB: number | undefined;
  gzipKiB: number | undefined;
}

function git(args: string[], cwd = REPO_ROOT): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30 }).trim();
}

/** The compatibility_flags a tree's wrangler.jsonc sets (top level), to run its bundle with. */
function compatibilityFlagsOf(root: string): string[] {
  const config = readFileSync(join(root, 'wrangler.jsonc'), 'utf8');
  const list = /"compatibility_flags"\s*:\s*\[([^\]]*)\]/.exec(config)?.[1] ?? '';
  return [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1] as string);
}

async function build(label: string, ref: string, root: string, outdir: string): Promise<Built> {
  const result = await mustRunWrangler(
    [
      'deploy',
      '--dry-run',
      '--env',
      'production',
      '--outdir',
      outdir,
      '--outfile',
      `${outdir}.bundle`,
    ],
    { timeoutMs: 180_000, cwd: root },
  );
  const text = `${result.stdout}\n${result.stderr}`;
  const upload = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(text);
  const file = join(outdir, 'index.js');
  return {
    label,
    ref,
    file,
    upload: `${outdir}.bundle`,
    code: readFileSync(file, 'utf8'),
    compatibilityFlags: compatibilityFlagsOf(root),
    uploadKiB: upload ? Number(upload[1]) : undefined,
    gzipKiB: upload ? Number(upload[2]) : undefined,
  };
}

export const scenario: Scenario = {
  name: 'startup',
  description: 'production bundle size and module evaluation, this checkout against --base (main)',
  skipStartup: true,
  async run(context) {
    const baseFlag = process.argv.find((arg) => arg.startsWith('--base='));
    const baseRef = baseFlag ? baseFlag.slice('--base='.length) : 'main';
    const rounds = context.quick ? 5 : 15;
    const baseCommit = git(['rev-parse', '--short', baseRef]);
    const head = git(['rev-parse', '--short', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--', 'src', 'wrangler.jsonc', 'package.json']);

    // The base commit's tree, built with this checkout's node_modules (its package.json must not
    // need packages this one lacks: wrangler then fails to resolve them and says which).
    const baseRoot = join(context.workDir, 'base');
    mkdirSync(baseRoot, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${baseCommit} | tar -x -C "${baseRoot}"`], {
      cwd: REPO_ROOT,
    });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(baseRoot, 'node_modules'));
    mkdirSync(join(baseRoot, 'public'), { recursive: true });

    context.log(`Building the production bundle of ${baseRef} (${baseCommit})`);
    const base = await build(
      `base ${baseRef}`,
      baseCommit,
      baseRoot,
      join(context.workDir, 'dist-base'),
    );
    context.log(
      `Building the production bundle of this checkout (${head}${dirty ? ' + changes' : ''})`,
    );
    const current = await build(
      'this checkout',
      `${head}${dirty ? '+' : ''}`,
      REPO_ROOT,
      join(context.workDir, 'dist-current'),
    );

    context.log(
      `Module evaluation and cold first requests: ${rounds} rotating rounds of 9 fresh workerd instances`,
    );
    const config = readFileSync(join(REPO_ROOT, 'wrangler.jsonc'), 'utf8');
    const compatibilityDate =
      /"compatibility_date"\s*:\s*"([\d-]+)"/.exec(config)?.[1] ?? '2026-11-01';
    // The local (top-level) database the runner migrated and seeded.
    const databaseId = /"database_id"\s*:\s*"([^"]+)"/.exec(config)?.[1] ?? '';
    const requests = coldRequests(context.seed.token);
    const evaluation = await compareModuleEvaluation(
      [
        { label: base.label, code: base.code, compatibilityFlags: base.compatibilityFlags },
        {
          label: current.label,
          code: current.code,
          compatibilityFlags: current.compatibilityFlags,
        },
      ],
      rounds,
      compatibilityDate,
      context.signal,
      {
        environment: { persistTo: context.persistTo, databaseId, bindings: PRODUCTION_VARS },
        requests,
      },
    );
    const [baseEval, currentEval] = evaluation.bundles;
    // Per-round ratios as well as the ratio of medians: a round shares the machine's state.
    const roundRatios = (currentEval?.samples ?? []).map(
      (value, index) => value / (baseEval?.samples[index] ?? Number.NaN),
    );
    const cpuRoundRatios = (currentEval?.cpuSamples ?? []).map(
      (value, index) => value / (baseEval?.cpuSamples[index] ?? Number.NaN),
    );

    context.log(`wrangler check startup --worker, ${PROFILE_RUNS} runs per bundle (alternating)`);
    const profiles: Record<string, CheckStartupResult[]> = { base: [], current: [] };
    for (let run = 1; run <= PROFILE_RUNS; run++) {
      context.signal.throwIfAborted();
      profiles.base?.push(await checkStartup(context.workDir, `base-${run}`, base.upload));
      profiles.current?.push(await checkStartup(context.workDir, `current-${run}`, current.upload));
    }
    const activeOf = (runs: CheckStartupResult[]) =>
      summarize(runs.filter((r) => r.ok).map((r) => r.activeMs ?? Number.NaN));
    const baseActive = activeOf(profiles.base ?? []);
    const currentActive = activeOf(profiles.current ?? []);
    const watched = (runs: CheckStartupResult[]) =>
      WATCHED_FUNCTIONS.map((name) => {
        const times = runs
          .filter((r) => r.ok)
          .map((r) => r.hotFunctions?.find((f) => f.name === name)?.inclusiveMs ?? 0);
        return `${name} ${ms(summarize(times).p50)}`;
      }).join(', ');
    const ratio = (a: number | undefined, b: number | undefined) =>
      a !== undefined && b !== undefined && b !== 0 ? (a / b).toFixed(2) : 'n/a';

    const rows = [
      [
        'wrangler "Total Upload" (KiB)',
        String(base.uploadKiB),
        String(current.uploadKiB),
        ratio(current.uploadKiB, base.uploadKiB),
      ],
      [
        'gzip (KiB)',
        String(base.gzipKiB),
        String(current.gzipKiB),
        ratio(current.gzipKiB, base.gzipKiB),
      ],
      [
        `module evaluation, unprofiled, median of ${rounds}`,
        ms(baseEval?.moduleEvaluation.p50),
        ms(currentEval?.moduleEvaluation.p50),
        ratio(currentEval?.moduleEvaluation.p50, baseEval?.moduleEvaluation.p50),
      ],
      [
        '  min / max',
        `${ms(baseEval?.moduleEvaluation.min)} / ${ms(baseEval?.moduleEvaluation.max)}`,
        `${ms(currentEval?.moduleEvaluation.min)} / ${ms(currentEval?.moduleEvaluation.max)}`,
        `per-round ratio median ${summarize(roundRatios).p50.toFixed(2)}`,
      ],
      [
        `module evaluation, workerd CPU time, median of ${rounds}`,
        ms(baseEval?.moduleEvaluationCpu.p50),
        ms(currentEval?.moduleEvaluationCpu.p50),
        ratio(currentEval?.moduleEvaluationCpu.p50, baseEval?.moduleEvaluationCpu.p50),
      ],
      [
        '  min / max',
        `${ms(baseEval?.moduleEvaluationCpu.min)} / ${ms(baseEval?.moduleEvaluationCpu.max)}`,
        `${ms(currentEval?.moduleEvaluationCpu.min)} / ${ms(currentEval?.moduleEvaluationCpu.max)}`,
        `per-round ratio median ${summarize(cpuRoundRatios).p50.toFixed(2)}`,
      ],
      ...requests.flatMap((request, index) => {
        const b = baseEval?.coldRequests[index];
        const c = currentEval?.coldRequests[index];
        const perRound = (c?.cpuSamples ?? []).map(
          (value, round) => value / (b?.cpuSamples[round] ?? Number.NaN),
        );
        return [
          [
            `${request.label}, workerd CPU time, median of ${rounds}`,
            ms(b?.cpu.p50),
            ms(c?.cpu.p50),
            ratio(c?.cpu.p50, b?.cpu.p50),
          ],
          [
            '  min / max',
            `${ms(b?.cpu.min)} / ${ms(b?.cpu.max)}`,
            `${ms(c?.cpu.min)} / ${ms(c?.cpu.max)}`,
            `per-round ratio median ${summarize(perRound).p50.toFixed(2)}`,
          ],
          [
            '  wall time, median',
            ms(b?.wall.p50),
            ms(c?.wall.p50),
            ratio(c?.wall.p50, b?.wall.p50),
          ],
          [
            '  the same request again, warm (CPU, not subtracted)',
            ms(b?.warmCpu.p50),
            ms(c?.warmCpu.p50),
            ratio(c?.warmCpu.p50, b?.warmCpu.p50),
          ],
        ];
      }),
      [
        `wrangler check startup: active CPU, median of ${PROFILE_RUNS}`,
        ms(baseActive.p50),
        ms(currentActive.p50),
        ratio(currentActive.p50, baseActive.p50),
      ],
    ];
    const report = [
      `Startup: ${base.label} (${baseCommit}) against this checkout (${head}${dirty ? ' + uncommitted changes' : ''})`,
      table(['measure', base.label, current.label, 'ratio'], rows),
      `Empty-module first request (the baseline subtracted): median ${ms(evaluation.baseline.p50)} wall, ${ms(evaluation.baselineCpu.p50)} workerd CPU`,
      `Inside the profiled startup, ${base.label} (median inclusive): ${watched(profiles.base ?? [])}`,
      `Inside the profiled startup, ${current.label} (median inclusive): ${watched(profiles.current ?? [])}`,
      `Heaviest in ${current.label}'s first profile: ${(profiles.current?.[0]?.hotFunctions ?? [])
        .slice(0, 8)
        .map((f) => `${f.name} ${f.inclusiveMs}`)
        .join(', ')}`,
    ].join('\n');
    return {
      report,
      results: {
        base: {
          ref: baseRef,
          commit: baseCommit,
          uploadKiB: base.uploadKiB,
          gzipKiB: base.gzipKiB,
        },
        current: {
          commit: head,
          dirty: dirty !== '',
          uploadKiB: current.uploadKiB,
          gzipKiB: current.gzipKiB,
        },
        moduleEvaluation: evaluation,
        roundRatios,
        cpuRoundRatios,
        checkStartup: profiles,
      },
    };
  },
};
