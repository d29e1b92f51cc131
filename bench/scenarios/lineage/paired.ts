// The paired ratios: each request and the raw walk statement back to back.
import { runRawJob, type WalkParams } from '../../lib/sqlite-raw.ts';
import { summarize } from '../../lib/stats.ts';
import type { Call } from './api.ts';
import type { Measuring } from './series.ts';

/** One end-to-end request and the raw walk statement, measured back to back (see measurePaired). */
export interface PairedRow {
  label: string;
  pairs: { rawMs: number; apiMs: number; ratio: number }[];
  failures: string[];
}

/**
 * Ratios measured in pairs: the raw walk statement (node:sqlite on a copy of the D1 file taken
 * before the server started, so it can run while workerd holds the original) and one request,
 * back to back, alternating which goes first. Each pair shares the machine's state of the moment:
 * on these shared machines the same statement took 108-240 ms from one minute to the next, which
 * made a ratio of two medians measured minutes apart swing between 1.2x and 3.2x. The raw side is
 * the median of 3 runs in a fresh process.
 */
export async function measurePaired(
  m: Measuring,
  label: string,
  call: Call,
  params: WalkParams,
  pairs: number,
): Promise<PairedRow> {
  const row: PairedRow = { label, pairs: [], failures: [] };
  const raw = async () => {
    const result = await runRawJob(
      { kind: 'walk', variant: 'api', runs: 3, budgetMs: 60_000, ...params },
      m.context.workDir,
      m.size.rawWalkTimeoutS * 1000,
    );
    const runs = (result.runsMs as number[] | undefined) ?? [];
    if (!result.ok || runs.length === 0) throw new Error(`raw: ${String(result.error)}`);
    return summarize(runs).p50;
  };
  const request = async () => {
    const result = await m.api.postRetrying(call);
    // The server keeps working on an abandoned request: the next pairs get a fresh one.
    if (result.timedOut) await m.restart();
    if (!result.ok) throw new Error(result.error ?? 'failed');
    return result.ms;
  };
  for (let pair = 0; pair < pairs; pair++) {
    try {
      let rawMs: number;
      let apiMs: number;
      if (pair % 2 === 0) {
        rawMs = await raw();
        apiMs = await request();
      } else {
        apiMs = await request();
        rawMs = await raw();
      }
      row.pairs.push({ rawMs, apiMs, ratio: apiMs / rawMs });
    } catch (error) {
      row.failures.push(String(error).slice(0, 200));
    }
  }
  const ratios = summarize(row.pairs.map((p) => p.ratio));
  m.context.log(
    `paired ${label}: ratio p50 ${ratios.p50.toFixed(2)} (${ratios.min.toFixed(2)}-${ratios.max.toFixed(2)}), pairs ${row.pairs
      .map((p) => `${Math.round(p.apiMs)}/${Math.round(p.rawMs)}`)
      .join(' ')}${row.failures.length ? `, failures: ${row.failures.join('; ')}` : ''}`,
  );
  return row;
}
