// A request measured several times, and what one measuring run shares.
import type { TreeMemoryDuringRequest } from '../../lib/procmem.ts';
import type { ScenarioContext } from '../../lib/scenario.ts';
import { ms, summarize } from '../../lib/stats.ts';
import type { Api, Call, Measured } from './api.ts';
import type { Size } from './config.ts';

/** A request measured several times: the first apart, then warm ones. */
export interface Series {
  label: string;
  first: Measured | null;
  warm: Measured[];
  /** Why the series stopped early, if it did. */
  stopped: string | null;
}

const newSeries = (label: string): Series => ({
  label,
  first: null,
  warm: [],
  stopped: null,
});

const isWorkerd = (p: { name: string }) => p.name === 'workerd';
/** Per request: the highest peak of any workerd process, and the RSS that process had before. */
export function workerdPeak(memory: TreeMemoryDuringRequest | null) {
  const procs = (memory?.processes ?? []).filter(isWorkerd);
  if (procs.length === 0)
    return { beforeKiB: Number.NaN, peakKiB: Number.NaN, sumPeakKiB: Number.NaN };
  const top = procs.reduce((a, b) => (b.peakKiB > a.peakKiB ? b : a));
  return {
    beforeKiB: top.rssBeforeKiB,
    peakKiB: top.peakKiB,
    sumPeakKiB: procs.reduce((sum, p) => sum + p.peakKiB, 0),
  };
}

export const mib = (kib: number) => (Number.isNaN(kib) ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`);

export interface Measuring {
  api: Api;
  context: ScenarioContext;
  size: Size;
  /** Called after a request timed out: the server keeps working on it, so start a fresh one. */
  restart(): Promise<void>;
}

/**
 * Sends `query` once (the first, reported apart), then repeats it `warm` times as long as the
 * series budget allows. Stops on a timeout (after restarting the server) or an error.
 */
export async function series<T>(
  m: Measuring,
  label: string,
  call: Call,
  warm: number,
): Promise<{ series: Series; data: T | null }> {
  const out = newSeries(label);
  const started = performance.now();
  let data: T | null = null;
  for (let run = 0; run <= warm; run++) {
    const last = out.warm[out.warm.length - 1] ?? out.first;
    if (run > 0 && last && performance.now() - started + last.ms > m.size.seriesBudgetS * 1000) {
      out.stopped = `series budget of ${m.size.seriesBudgetS} s`;
      break;
    }
    const result = await m.api.measured<T>(call);
    if (run === 0) out.first = result.measured;
    else out.warm.push(result.measured);
    if (!result.measured.ok) {
      out.stopped = result.measured.error;
      m.context.log(`${label}: ${result.measured.error} (after ${ms(result.measured.ms)})`);
      if (result.measured.timedOut) await m.restart();
      break;
    }
    data = result.data;
  }
  const w = summarize(out.warm.map((x) => x.ms));
  if (data) {
    m.context.log(
      `${label}: first ${ms(out.first?.ms)}, warm p50 ${ms(w.p50)} (n=${w.n}), ${out.first?.statements} statements, ` +
        `workerd peak ${mib(workerdPeak(out.first?.memory ?? null).peakKiB)}`,
    );
  }
  return { series: out, data };
}
