// The JavaScript time of one lineage walk (issue 20, section 1), without D1: the API's walkLineage
// on the DAG of the lineage-dag scenario (20,000 nodes, 100,569 edges) in an in-memory node:sqlite
// database made from migrations/, downstream of its root dataset (the first page past the
// edge-row budget: the walk's rows make the first segment) and upstream of a last-layer version.
// Each statement's answer is a fresh deep copy, as D1 hands the Worker one; the statements' own
// time (and the copy) is subtracted. Median of 12 runs after 2.
//
//   npx node bench/walk-js.ts
import { type LineageDirection, walkLineage } from '../src/registry/lineage/traversal.service.ts';
import { memoryDb, memoryRegistry } from './lib/memory-registry.ts';
import { summarize } from './lib/stats.ts';
import { sizeFor } from './scenarios/lineage/config.ts';
import { buildDag } from './scenarios/lineage/graphs.ts';

const { sqlite, clock, startMs, org, user } = memoryRegistry('walk-js');
const dag = buildDag({ clock, orgId: org, userId: user }, sizeFor(false), startMs + 1000);
for (const writer of dag.files.writers) sqlite.exec(writer.toSql());
const timed = { ms: 0 };
const db = memoryDb(sqlite, true, timed);

const walks: [string, { kind: 'Dataset' | 'ModelVersion'; id: string }, LineageDirection][] = [
  ['DAG downstream of its root dataset', { kind: 'Dataset', id: dag.rootDatasetId }, 'DOWNSTREAM'],
  [
    'DAG upstream of a last-layer version',
    { kind: 'ModelVersion', id: dag.leafVersionId },
    'UPSTREAM',
  ],
];
for (const [name, root, direction] of walks) {
  const js: number[] = [];
  const statements: number[] = [];
  let shape = '';
  for (let run = 0; run < 14; run++) {
    timed.ms = 0;
    const started = performance.now();
    const walk = await walkLineage(db, org, { root, rootExists: true, direction });
    const total = performance.now() - started;
    shape = `${walk.nodes.length} nodes, ${walk.edges.length} edges${walk.overflow ? ', first segment' : ''}`;
    if (run < 2) continue;
    js.push(total - timed.ms);
    statements.push(timed.ms);
  }
  console.log(
    `${name} (${shape}): JavaScript ${summarize(js).p50.toFixed(1)} ms, statements and copies ${summarize(statements).p50.toFixed(1)} ms (p50 of ${js.length})`,
  );
}
