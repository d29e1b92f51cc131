// Reporting: the tables of the text report and the series as the results JSON holds them.
import type { RawResult } from '../../lib/sqlite-raw.ts';
import { ms, summarize, table } from '../../lib/stats.ts';
import type { Measured } from './api.ts';
import type { Size } from './config.ts';
import type { ChainData, DagData } from './graphs.ts';
import type { PairedRow } from './paired.ts';
import { EXPORT_LABELS, FIXED_COST_LABEL, type NestingRow } from './requests.ts';
import { mib, type Series, workerdPeak } from './series.ts';

function seriesRow(series: Series): string[] {
  const all = [series.first, ...series.warm].filter((m): m is Measured => m !== null);
  const ok = all.filter((m) => m.ok);
  const warm = summarize(series.warm.filter((m) => m.ok).map((m) => m.ms));
  const mem = all.map((m) => workerdPeak(m.memory));
  const top = mem.reduce((a, b) => (b.peakKiB > a.peakKiB ? b : a), mem[0] ?? workerdPeak(null));
  const first = series.first;
  return [
    series.label,
    String(warm.n),
    warm.n ? `${ms(warm.p50)} (${ms(warm.min)}-${ms(warm.max)})` : 'n/a',
    first
      ? first.ok
        ? ms(first.ms)
        : first.timedOut
          ? `> ${(first.ms / 1000).toFixed(0)} s`
          : 'error'
      : '',
    [...new Set(ok.map((m) => m.statements))].join(', ') || 'n/a',
    ok.length ? `${(Math.max(...ok.map((m) => m.bytes)) / 1e6).toFixed(2)} MB` : 'n/a',
    `${mib(top.beforeKiB)} -> ${mib(top.peakKiB)}`,
    mib(Math.max(...all.map((m) => m.memory?.totalPeakKiB ?? Number.NaN))),
  ];
}

const SERIES_HEADERS = [
  'request',
  'warm n',
  'warm p50 (min-max)',
  'first',
  'D1 stmts',
  'response',
  'workerd RSS before -> peak',
  'tree peak (sum)',
];

export function describeSeries(series: Series) {
  const ok = series.warm.filter((m) => m.ok);
  return {
    label: series.label,
    first: series.first,
    warmLatencyMs: summarize(ok.map((m) => m.ms)),
    warm: series.warm,
    stopped: series.stopped,
  };
}

/** One bulk-loaded SQL file. */
export interface BulkLoad {
  name: string;
  ms: number;
  bytes: number;
  rows: Record<string, number>;
}

/** Everything one run measured, as the report reads it. */
export interface LineageRun {
  size: Size;
  chain: ChainData | null;
  dag: DagData | null;
  checks: Record<string, unknown>;
  loads: BulkLoad[];
  info: RawResult;
  series: Series[];
  raw: Record<string, RawResult>;
  paired: PairedRow[];
  chainNesting: NestingRow[];
  dagNesting: NestingRow[];
}

/** The text report: the series table, the raw floors, the end-to-end / raw ratios, nesting. */
export function lineageReport(run: LineageRun): string {
  const { size, chain, dag, checks, loads, info, series, raw, paired, chainNesting, dagNesting } =
    run;
  const rawMs = (name: string) => {
    const result = raw[name];
    if (!result) return { text: 'not run', ms: Number.NaN };
    if (result.timedOut)
      return { text: `> ${Math.round(result.wallMs / 1000)} s (killed)`, ms: Number.NaN };
    const runs = (result.runsMs as number[] | undefined) ?? [];
    if (!result.ok || runs.length === 0)
      return { text: `failed: ${String(result.error).slice(0, 80)}`, ms: Number.NaN };
    const s = summarize(runs);
    const cpu = (result.cpuMs as number[] | undefined)?.length
      ? `, CPU ${ms(summarize(result.cpuMs as number[]).p50)}`
      : '';
    return { text: `${ms(s.p50)} (n=${s.n}${cpu})`, ms: s.p50 };
  };
  const warmP50 = (label: string) => {
    const s = series.find((x) => x.label === label);
    if (!s) return Number.NaN;
    const ok = s.warm.filter((m) => m.ok).map((m) => m.ms);
    if (ok.length) return summarize(ok).p50;
    return s.first?.ok ? s.first.ms : Number.NaN;
  };
  const fullLineage = (prefix: string) => {
    const pages = series.filter((s) => s.label.startsWith(prefix));
    if (pages.some((s) => !s.first?.ok)) return Number.NaN;
    return pages.reduce((sum, s) => sum + warmP50(s.label), 0);
  };
  const ratio = (a: number, b: number) =>
    Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(1)}x` : 'n/a';

  const lines: string[] = [];
  if (chain) {
    lines.push(
      `Chain: ${chain.graph.nodes.size} versions of one model, ${chain.graph.edges.length} DERIVED_FROM edges.`,
    );
    lines.push(`  upstream lineage of the tip: ${JSON.stringify(checks.chain)}`);
  }
  if (dag) {
    lines.push(
      `DAG: ${dag.graph.nodes.size} nodes (${size.datasets} datasets, ${size.layers * size.perLayer} versions of ${size.perLayer} models ` +
        `in ${size.layers} layers, ${size.deployments} deployments), ${dag.graph.edges.length} edges ${JSON.stringify(dag.counts)}.`,
    );
    lines.push(`  downstream lineage of the root dataset: ${JSON.stringify(checks.dag)}`);
    lines.push(`  impact: ${JSON.stringify(checks.impact)}`);
  }
  lines.push(
    `Bulk load: ${loads.map((l) => `${l.name} ${(l.bytes / 1e6).toFixed(1)} MB ${ms(l.ms)}`).join(', ')}.`,
  );
  lines.push('');
  lines.push(
    'Through GraphQL on wrangler dev (client-side time; memory: VmHWM of each process after resetting it before the request)',
  );
  lines.push(table(SERIES_HEADERS, series.map(seriesRow)));
  lines.push('');

  const rawRows: string[][] = [];
  const ratioRows: string[][] = [];
  const result = (name: string) => {
    const r = raw[name];
    if (!r?.ok) return '';
    if (r.nodes !== undefined) return `${r.nodes} nodes, ${r.edges} edges, ${r.depth} levels`;
    return r.edges ? `${r.reached} nodes, ${r.edges} edges` : `${r.reached} nodes`;
  };
  const rawBlock = (prefix: string, label: string) => {
    rawRows.push([
      `${label}: the API's walk statement (reach + edges)`,
      rawMs(`${prefix}Walk`).text,
      '1',
      result(`${prefix}Walk`),
    ]);
    rawRows.push([
      `${label}: its recursion alone (count of reach)`,
      rawMs(`${prefix}Reach`).text,
      '1',
      result(`${prefix}Reach`),
    ]);
    const naive = raw[`${prefix}NaiveBfs`];
    rawRows.push([
      `${label}: naive BFS, one SELECT per level`,
      rawMs(`${prefix}NaiveBfs`).text,
      String(naive?.statements ?? ''),
      result(`${prefix}NaiveBfs`),
    ]);
  };
  if (chain) {
    rawBlock('chain', 'chain');
    const full = fullLineage('chain: upstream lineage of the tip');
    const walk = rawMs('chainWalk').ms;
    ratioRows.push([
      'chain: full lineage (all pages) / API statement raw',
      `${ms(full)} / ${ms(walk)}`,
      ratio(full, walk),
    ]);
    ratioRows.push([
      'chain: page 1 / API statement raw',
      `${ms(warmP50('chain: upstream lineage of the tip, page 1'))} / ${ms(walk)}`,
      ratio(warmP50('chain: upstream lineage of the tip, page 1'), walk),
    ]);
    for (const label of EXPORT_LABELS('chain')) {
      ratioRows.push([
        `${label} / API statement raw`,
        `${ms(warmP50(label))} / ${ms(walk)}`,
        ratio(warmP50(label), walk),
      ]);
    }
    ratioRows.push([
      'chain: naive BFS raw / API statement raw',
      `${ms(rawMs('chainNaiveBfs').ms)} / ${ms(walk)}`,
      ratio(rawMs('chainNaiveBfs').ms, walk),
    ]);
  }
  if (dag) {
    rawBlock('dag', 'dag');
    const depth = raw.dagDepthVariant;
    rawRows.push([
      'dag: recursion carrying a depth column (UNION on (id, depth))',
      !depth
        ? 'not run'
        : depth.timedOut
          ? `> ${size.depthVariantTimeoutS} s (killed)`
          : depth.ok
            ? ms(depth.ms as number)
            : `failed: ${String(depth.error).slice(0, 80)}`,
      '1',
      depth?.ok ? `${depth.nodes} nodes, depth ${depth.depth}, ${depth.rows} (id, depth) rows` : '',
    ]);
    if (raw.impactWalk)
      rawRows.push([
        'dag: impact walk statement (4 edge types)',
        rawMs('impactWalk').text,
        '1',
        result('impactWalk'),
      ]);
    const full = fullLineage('dag: downstream lineage of the root dataset');
    const walk = rawMs('dagWalk').ms;
    const page1 = warmP50('dag: downstream lineage of the root dataset, page 1');
    ratioRows.push([
      'dag: full lineage (all pages) / API statement raw',
      `${ms(full)} / ${rawMs('dagWalk').text}`,
      ratio(full, walk),
    ]);
    ratioRows.push([
      'dag: page 1 / API statement raw',
      `${ms(page1)} / ${rawMs('dagWalk').text}`,
      ratio(page1, walk),
    ]);
    if (depth?.ok) {
      ratioRows.push([
        'dag: full lineage / depth-carrying recursion raw (computes depths in SQL)',
        `${ms(full)} / ${ms(depth.ms as number)}`,
        ratio(full, depth.ms as number),
      ]);
    }
    for (const label of EXPORT_LABELS('dag')) {
      ratioRows.push([
        `${label} / API statement raw`,
        `${ms(warmP50(label))} / ${rawMs('dagWalk').text}`,
        ratio(warmP50(label), walk),
      ]);
    }
    const impact = warmP50('impact(of: root dataset)');
    ratioRows.push([
      'dag: impact / impact statement raw',
      `${ms(impact)} / ${rawMs('impactWalk').text}`,
      ratio(impact, rawMs('impactWalk').ms),
    ]);
    ratioRows.push([
      'dag: naive BFS raw / API statement raw',
      `${ms(rawMs('dagNaiveBfs').ms)} / ${rawMs('dagWalk').text}`,
      ratio(rawMs('dagNaiveBfs').ms, walk),
    ]);
  }
  ratioRows.push([
    'fixed cost of any request (not subtracted above)',
    ms(warmP50(FIXED_COST_LABEL)),
    '',
  ]);
  lines.push(
    `Raw on the same SQLite file (node:sqlite, SQLite ${String((info as { sqliteVersion?: string }).sqliteVersion)}, read-only, ` +
      `server stopped; median of up to ${size.rawRuns} runs within ${size.seriesBudgetS} s)`,
  );
  lines.push(table(['query', 'time', 'statements', 'result'], rawRows));
  lines.push('');
  lines.push('End-to-end / raw (target: within 2x)');
  lines.push(table(['comparison', 'times', 'ratio'], ratioRows));
  if (paired.length) {
    lines.push('');
    lines.push(
      'Paired: each request and the raw walk statement (node:sqlite, median of 3 runs, on a copy of the D1 file) back to back, alternating order; ratio of each pair',
    );
    lines.push(
      table(
        ['request', 'pairs', 'request p50', 'raw p50', 'ratio p50 (min-max)'],
        paired.map((row) => {
          const ratios = summarize(row.pairs.map((p) => p.ratio));
          return [
            row.label,
            `${row.pairs.length}${row.failures.length ? ` (${row.failures.length} failed)` : ''}`,
            ms(summarize(row.pairs.map((p) => p.apiMs)).p50),
            ms(summarize(row.pairs.map((p) => p.rawMs)).p50),
            row.pairs.length
              ? `${ratios.p50.toFixed(2)}x (${ratios.min.toFixed(2)}-${ratios.max.toFixed(2)})`
              : 'n/a',
          ];
        }),
      ),
    );
  }
  const nestingRows = (label: string, rows: NestingRow[]) =>
    rows.map((row) => [
      label,
      String(row.depth),
      row.accepted ? ms(row.ms?.p50) : 'refused',
      row.accepted ? (row.statements ?? []).join(', ') : '',
      row.accepted ? (row.distinctPerLevel ?? []).join(' ') : (row.error ?? '').slice(0, 120),
    ]);
  if (chainNesting.length || dagNesting.length) {
    lines.push('');
    lines.push(
      'Naive through GraphQL: node(id:) { ... on ModelVersion { id derivedFrom { id derivedFrom { ... } } } }',
    );
    lines.push(
      table(
        ['from', 'levels', 'p50', 'D1 stmts', 'distinct versions per level / error'],
        [...nestingRows('chain tip', chainNesting), ...nestingRows('dag last layer', dagNesting)],
      ),
    );
  }
  return lines.join('\n');
}
