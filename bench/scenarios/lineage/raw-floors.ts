// The raw floors, on the same SQLite file with the server stopped.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { processTree, readMemory } from '../../lib/procmem.ts';
import type { ScenarioContext } from '../../lib/scenario.ts';
import { type RawResult, runRawJob, type WalkParams } from '../../lib/sqlite-raw.ts';
import {
  ALL_EDGE_TYPES,
  directionTypes,
  IMPACT_EDGE_TYPES,
  NODE_LIMIT,
  type Size,
} from './config.ts';

/** A walk as walkEdges takes it, from `seed`, on the SQLite file `file`. */
export const walkParamsOn =
  (file: string, orgId: string) =>
  (seed: string, direction: 'UPSTREAM' | 'DOWNSTREAM', types = ALL_EDGE_TYPES): WalkParams => ({
    file,
    orgId,
    seeds: [seed],
    direction,
    edgeTypes: [...types],
    ...directionTypes(direction, types),
    nodeLimit: NODE_LIMIT,
  });

/**
 * The floors: the API's walk statement, its recursion alone, a naive BFS and the depth-carrying
 * variant, raw on the D1 file with no server running (anything of wrangler dev still alive would
 * compete for the CPU).
 */
export async function measureRawFloors(
  context: ScenarioContext,
  size: Size,
  dbFile: string,
  orgId: string,
  serverPids: number[],
  roots: { chainTipId: string | null; dagRootId: string | null; impactAnswered: boolean },
): Promise<Record<string, RawResult>> {
  const d1Files = () =>
    Object.fromEntries(
      readdirSync(dirname(dbFile))
        .filter((name) => name.startsWith(basename(dbFile)))
        .map((name) => [
          name.slice(basename(dbFile).length) || '.sqlite',
          statSync(join(dirname(dbFile), name)).size,
        ]),
    );
  context.log(`D1 files after the server stopped: ${JSON.stringify(d1Files())}`);
  const raw: Record<string, RawResult> = {};
  const rawJob = async (name: string, job: Parameters<typeof runRawJob>[0], timeoutS: number) => {
    // Anything of wrangler dev still alive would compete for the CPU: say so.
    const leftovers = serverPids.flatMap((pid) => processTree(pid)).map((pid) => readMemory(pid));
    if (leftovers.some((p) => p !== null)) {
      context.log(`WARNING: wrangler dev processes still alive: ${JSON.stringify(leftovers)}`);
    }
    // What else is using the CPU meanwhile (other people's work on this shared machine shows here).
    const psTimer = setTimeout(() => {
      try {
        const ps = execFileSync('ps', ['-eo', 'pid,ppid,pgid,pcpu,etime,comm', '--sort=-pcpu'], {
          encoding: 'utf8',
        });
        context.log(
          `raw ${name}, 15 s in, busiest processes:\n${ps.split('\n').slice(0, 8).join('\n')}`,
        );
      } catch {
        // no ps
      }
    }, 15_000);
    const result = await runRawJob(job, context.workDir, timeoutS * 1000);
    clearTimeout(psTimer);
    result.loadavg = loadavg();
    result.d1Files = d1Files();
    raw[name] = result;
    const summary = Object.entries(result)
      .filter(([key]) => key !== 'plan' && key !== 'd1Files')
      .map(
        ([key, value]) =>
          `${key}=${Array.isArray(value) ? value.map((v) => (typeof v === 'number' ? v.toFixed(1) : v)).join('/') : typeof value === 'number' ? Math.round(value * 10) / 10 : value}`,
      )
      .join(' ');
    context.log(`raw ${name}: ${summary}`);
  };
  const walkParams = walkParamsOn(dbFile, orgId);
  const budgetMs = size.seriesBudgetS * 1000;
  const walks = async (prefix: string, params: WalkParams, naive: boolean) => {
    await rawJob(
      `${prefix}Reach`,
      { kind: 'walk', variant: 'reach', runs: size.rawRuns, budgetMs, ...params },
      60,
    );
    if (naive)
      await rawJob(
        `${prefix}NaiveBfs`,
        { kind: 'naive-bfs', runs: size.naiveRuns, budgetMs, ...params },
        120,
      );
    await rawJob(
      `${prefix}Walk`,
      { kind: 'walk', variant: 'api', runs: size.rawRuns, budgetMs, ...params },
      size.rawWalkTimeoutS,
    );
  };
  if (roots.chainTipId) await walks('chain', walkParams(roots.chainTipId, 'UPSTREAM'), true);
  if (roots.dagRootId) {
    const params = walkParams(roots.dagRootId, 'DOWNSTREAM');
    await walks('dag', params, true);
    await rawJob(
      'dagDepthVariant',
      { kind: 'depth-variant', ...params },
      size.depthVariantTimeoutS,
    );
    // impact walks the same nodes with 4 edge types; run it raw only if the API could answer.
    if (roots.impactAnswered) {
      await rawJob(
        'impactWalk',
        {
          kind: 'walk',
          variant: 'api',
          runs: size.rawRuns,
          budgetMs,
          ...walkParams(roots.dagRootId, 'DOWNSTREAM', IMPACT_EDGE_TYPES),
        },
        size.rawWalkTimeoutS,
      );
    }
  }
  return raw;
}
