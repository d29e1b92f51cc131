// What one lineage walk holds in the JavaScript heap (issue 20, section 5): the DAG of the
// lineage-dag scenario (20,000 nodes, 100,569 edges) in an in-memory node:sqlite database made from
// migrations/, walked by the API's own walkLineage (rows as arrays, as D1's raw() gives them), with
// V8's heap measured around it (not the process RSS).
//
//   npx node --expose-gc bench/walk-heap.ts
import { walkLineage } from '../src/registry/lineage/traversal.service.ts';
import { memoryDb, memoryRegistry } from './lib/memory-registry.ts';
import { sizeFor } from './scenarios/lineage/config.ts';
import { buildDag } from './scenarios/lineage/graphs.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('Run with node --expose-gc');

const { sqlite, clock, startMs, org, user } = memoryRegistry('heap');
const dag = buildDag({ clock, orgId: org, userId: user }, sizeFor(false), startMs + 1000);
for (const writer of dag.files.writers) sqlite.exec(writer.toSql());

const db = memoryDb(sqlite);

const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
for (const edgeDetails of [false, true]) {
  const before = heap();
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 1);
  const walk = await walkLineage(db, org, {
    root: { kind: 'Dataset', id: dag.rootDatasetId },
    rootExists: true,
    direction: 'DOWNSTREAM',
    edgeDetails,
  });
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  const held = heap() - before;
  console.log(
    `walk (edgeDetails ${edgeDetails}): ${walk.nodes.length} nodes, ${walk.edges.length} edges; ` +
      `held after the walk ${mib(held)}; heap peak over before ${mib(peak - before)}`,
  );
}
