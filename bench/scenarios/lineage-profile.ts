// Where the JavaScript time of a lineage request goes (issue 20, section 1): the 10,000-hop chain of
// lineage-chain, each request sent a few times warm and CPU-profiled in the Worker's isolate through
// the inspector (Profiler domain, 1 ms sampling), then attributed to functions: self time and
// inclusive time, summed over the profiled runs.
//
//   npx node bench/run.ts lineage-profile           # ~2 min
//   npx node bench/run.ts lineage-profile --quick   # the 1,000-hop chain
//   PROFILE_GRAPH=dag npx node bench/run.ts lineage-profile   # the DAG downstream of its root
//                                                             # dataset (the first page past the
//                                                             # edge-row budget)
//   PROFILE_ONLY=word ...                                      # only the requests naming it
import { encodeGlobalId } from '../lib/graphql.ts';
import { attribute, type CpuProfile, Inspector, profile } from '../lib/inspector.ts';
import type { Scenario, ScenarioContext, ScenarioOutput } from '../lib/scenario.ts';
import { sizeFor } from './lineage/config.ts';
import { baseOf, buildChain, buildDag, graphStartMs, loadSqlFiles } from './lineage/graphs.ts';
import { drawQuery, graphJsonQuery, lineageQuery } from './lineage/queries.ts';

const WARM = 2;
const PROFILED = 5;

async function run(context: ScenarioContext): Promise<ScenarioOutput> {
  const size = sizeFor(context.quick);
  const onDag = process.env.PROFILE_GRAPH === 'dag';
  const graph = onDag
    ? (() => {
        const dag = buildDag(baseOf(context), size, graphStartMs(context));
        return { name: 'dag', files: dag.files, rootId: dag.rootDatasetId, typename: 'Dataset' };
      })()
    : (() => {
        const chain = buildChain(baseOf(context), size, graphStartMs(context));
        return { name: 'chain', files: chain.files, rootId: chain.tipId, typename: 'ModelVersion' };
      })();
  const direction = onDag ? 'DOWNSTREAM' : 'UPSTREAM';
  await loadSqlFiles(context, graph.name, graph.files);
  const { server } = await context.startServer('lineage-profile');
  const inspector = await Inspector.connect(server.inspectorPort);
  const origin = new URL(server.url).origin;
  const tip = encodeGlobalId(graph.typename, graph.rootId);
  const headers = { authorization: `Bearer ${context.seed.token}` };
  const graphql = (query: string) => async () => {
    const response = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables: { id: tip } }),
    });
    const text = await response.text();
    if (!response.ok || text.includes('"errors"')) throw new Error(text.slice(0, 500));
    return text.length;
  };
  const rest = (path: string) => async () => {
    const response = await fetch(`${origin}${path}`, { headers });
    const text = await response.text();
    if (!response.ok) throw new Error(text.slice(0, 500));
    return text.length;
  };
  const only = process.env.PROFILE_ONLY;
  const requests: [string, () => Promise<number>][] = (
    [
      [
        'walk only { totalNodes }',
        graphql(
          `query ($id: ID!) { node(id: $id) { ... on ${graph.typename} { lineage(direction: ${direction}, first: 25000) { totalNodes } } } }`,
        ),
      ],
      [
        'typed nodes { id } edges { depth }',
        graphql(lineageQuery(graph.typename, direction, 25_000)),
      ],
      ['lineage { graph }', graphql(graphJsonQuery(graph.typename, direction, 25_000))],
      [
        'draw: typed drawing query (labels, both ends)',
        graphql(drawQuery(graph.typename, direction, 25_000)),
      ],
      [
        'REST details /graph?edge_details=true',
        rest(
          `/api/lineage/${encodeURIComponent(tip)}/graph?direction=${direction.toLowerCase()}&edge_details=true`,
        ),
      ],
      [
        'REST /graph',
        rest(`/api/lineage/${encodeURIComponent(tip)}/graph?direction=${direction.toLowerCase()}`),
      ],
    ] as [string, () => Promise<number>][]
  ).filter(([name]) => !only || name.includes(only));
  const lines: string[] = [];
  const results: Record<string, unknown> = {};
  for (const [name, send] of requests) {
    for (let warm = 0; warm < WARM; warm++) await send();
    const profiles: CpuProfile[] = [];
    const times: number[] = [];
    for (let run = 0; run < PROFILED; run++) {
      const started = performance.now();
      const { profile: cpu } = await profile(inspector, send);
      times.push(performance.now() - started);
      profiles.push(cpu);
    }
    const attributed = attribute(profiles);
    const per = (ms: number) => (ms / PROFILED).toFixed(1);
    context.log(`${name}: ${times.map((t) => t.toFixed(0)).join(', ')} ms (profiled)`);
    lines.push(
      `### ${name}: client ${times.map((t) => t.toFixed(0)).join(', ')} ms; sampled ${per(attributed.sampledMs)} ms per request`,
      '',
      '| self ms / request | function |',
      '| --- | --- |',
      ...attributed.self.slice(0, 20).map(([key, ms]) => `| ${per(ms)} | ${key} |`),
      '',
      '| inclusive ms / request | function |',
      '| --- | --- |',
      ...attributed.total.slice(0, 30).map(([key, ms]) => `| ${per(ms)} | ${key} |`),
      '',
    );
    results[name] = { times, ...attributed };
  }
  inspector.close();
  await context.stopServer();
  return { report: lines.join('\n'), results };
}

export const scenario: Scenario = {
  name: 'lineage-profile',
  description:
    'CPU profiles of the chain (or DAG) lineage requests in the Worker isolate (inspector)',
  skipStartup: true,
  run,
};
