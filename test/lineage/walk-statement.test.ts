// The walk statement itself (issue 20): one pass over the edges of the reached set when the node
// limit did not cut the walk, only the edges among reached nodes when it did, never another
// organization's or an ended edge, and D1's SQLite searching migration 0015's covering indexes.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  type WalkQuery,
  walkEdges,
  walkEdgesStatement,
} from '../../src/registry/lineage/traversal.repository.ts';
import {
  type LineageDirection,
  type LineageWalk,
  walkLineage,
} from '../../src/registry/lineage/traversal.service.ts';
import { createTestOrg, testDb } from '../helpers/graphql.ts';

const ALL_TYPES: WalkQuery['edgeTypes'] = [
  'TRAINED_ON',
  'EVALUATED_ON',
  'DERIVED_FROM',
  'APPROVED_BY',
  'DEPLOYED_TO',
  'REPLACED_BY',
];

/** Edges as rows (node rows are not needed by the statement): [name, src, dst], DERIVED_FROM. */
async function givenEdges(
  orgId: string,
  edges: readonly (readonly [string, string, string])[],
  options: { removed?: boolean } = {},
) {
  const prefix = crypto.randomUUID().slice(0, 8);
  const node = (name: string) => `${prefix}-${name}`;
  const ids = new Map<string, string>();
  const now = new Date().toISOString();
  await env.DB.batch(
    edges.map(([name, src, dst]) => {
      const id = `${prefix}-edge-${name}`;
      ids.set(id, name);
      return env.DB.prepare(
        `INSERT INTO edge (id, org_id, type, src_id, src_kind, dst_id, dst_kind, created_at, removed_at)
         VALUES (?, ?, 'DERIVED_FROM', ?, 'ModelVersion', ?, 'ModelVersion', ?, ?)`,
      ).bind(id, orgId, node(src), node(dst), now, options.removed ? now : null);
    }),
  );
  return { node, nameOfEdge: (id: string) => ids.get(id) ?? `foreign:${id}`, prefix };
}

/** a depends on b, c, d; b and c on e; d on f; b on c (a cross edge between two depth-1 nodes). */
const DAG = [
  ['ab', 'a', 'b'],
  ['ac', 'a', 'c'],
  ['ad', 'a', 'd'],
  ['be', 'b', 'e'],
  ['ce', 'c', 'e'],
  ['df', 'd', 'f'],
  ['bc', 'b', 'c'],
] as const;

const upstream = (orgId: string, seed: string, nodeLimit: number): WalkQuery => ({
  orgId,
  seeds: [seed],
  direction: 'UPSTREAM',
  edgeTypes: ALL_TYPES,
  nodeLimit,
  asOf: null,
});

describe('the walk statement', () => {
  it('returns every edge of the reached set in one pass when the limit did not cut the walk', async () => {
    const org = await createTestOrg('walk-stmt-whole');
    const other = await createTestOrg('walk-stmt-other');
    const graph = await givenEdges(org.orgId, DAG);
    // Another organization's edge from the same id, and an ended edge: neither is walked.
    const foreign = await givenEdges(other.orgId, [['ax', 'a', 'x']]);
    await env.DB.prepare('UPDATE edge SET src_id = ?, dst_id = ? WHERE id = ?')
      .bind(graph.node('a'), graph.node('x'), `${foreign.prefix}-edge-ax`)
      .run();
    const ended = await givenEdges(org.orgId, [['fy', 'f', 'y']], { removed: true });
    await env.DB.prepare('UPDATE edge SET src_id = ?, dst_id = ? WHERE id = ?')
      .bind(graph.node('f'), graph.node('y'), `${ended.prefix}-edge-fy`)
      .run();

    const walk = await walkEdges(testDb(), upstream(org.orgId, graph.node('a'), 101));

    expect(walk.edges.map((row) => graph.nameOfEdge(row[0]))).toEqual(
      DAG.map(([name]) => name).sort(),
    );
    expect(walk.reached).toBe(6);
    expect(walk.edges.every((row) => row[6] === 6)).toBe(true);
  });

  it('returns only the edges among the reached nodes when the limit cut the walk', async () => {
    const org = await createTestOrg('walk-stmt-cut');
    const graph = await givenEdges(org.orgId, DAG);

    const { edges: rows, reached: count } = await walkEdges(
      testDb(),
      upstream(org.orgId, graph.node('a'), 3),
    );

    // Three nodes reached: a and two of b, c, d (first in, first out). Every edge among them is
    // returned, and none that leaves them.
    expect(count).toBe(3);
    const reached = new Set(rows.flatMap((row) => [row[2], row[4]]));
    expect(reached.size).toBe(3);
    expect(reached.has(graph.node('a'))).toBe(true);
    const among = DAG.filter(
      ([, src, dst]) => reached.has(graph.node(src)) && reached.has(graph.node(dst)),
    ).map(([name]) => name);
    expect(rows.map((row) => graph.nameOfEdge(row[0]))).toEqual([...among].sort());
    expect(among.length).toBeGreaterThanOrEqual(2);
  });

  it('is planned on the covering indexes by D1', async () => {
    // (with the row budget, as walkLineage runs it)
    const compiled = walkEdgesStatement({ ...upstream('org', 'seed', 101), rowLimit: 61 }).compile(
      testDb(),
    );
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`)
      .bind(...compiled.parameters)
      .all<{ detail: string }>();
    const details = plan.results.map((row) => row.detail);
    const searches = details.filter((detail) => /SEARCH e USING/.test(detail));
    // Two in the recursion, two in the edge selection: each a covering index, none the table.
    expect(searches).toHaveLength(4);
    for (const search of searches) {
      expect(search).toMatch(/USING COVERING INDEX edge_(src|dst)_walk \((src|dst)_id=\?\)/);
    }
    expect(details.some((detail) => /SCAN e\b/.test(detail))).toBe(false);
    // Each direction of the edge selection scans the reached set as its outer loop, in the
    // recursion's queue order: a direction cut by its LIMIT holds a prefix of the queue
    // (firstSegmentOfRows makes a stored walk's first segment of it).
    expect(details.filter((detail) => /^SCAN r\b/.test(detail))).toHaveLength(2);
  });
});

/** DAG, then e and f on g, g on h, h on i: depths 0 (a) to 4 (i) upstream. */
const DEEP = [
  ...DAG,
  ['eg', 'e', 'g'],
  ['fg', 'f', 'g'],
  ['gh', 'g', 'h'],
  ['hi', 'h', 'i'],
] as const;

/** What the unbounded walk `full` holds within `depth` hops: what a walk to that depth must answer. */
function cutAt(full: LineageWalk, depth: number) {
  const depthOf = new Map(full.nodes.map((node) => [node.id, node.depth]));
  return {
    nodes: full.nodes.filter((node) => node.depth <= depth),
    edges: full.edges
      .filter((edge) => edge.depth <= depth)
      .map((edge) => [edge.id, edge.depth, edge.from.id, edge.to.id]),
    depthReached: Math.min(full.depthReached, depth),
    // Truncated when an edge leaves a node at that depth: the graph goes on.
    isTruncated: full.edges.some((edge) => depthOf.get(edge.from.id) === depth),
  };
}

function answerOf(walk: LineageWalk) {
  return {
    nodes: walk.nodes,
    edges: walk.edges.map((edge) => [edge.id, edge.depth, edge.from.id, edge.to.id]),
    depthReached: walk.depthReached,
    isTruncated: walk.isTruncated,
  };
}

describe('a walk of a few hops', () => {
  const walkFrom = (orgId: string, id: string, direction: LineageDirection, extra = {}) =>
    walkLineage(testDb(), orgId, {
      root: { kind: 'ModelVersion', id },
      rootExists: true,
      direction,
      ...extra,
    });

  it('answers what the whole walk holds within maxDepth 0 to 4, in every direction', async () => {
    const org = await createTestOrg('walk-depth');
    const graph = await givenEdges(org.orgId, DEEP);
    for (const [seed, direction] of [
      ['a', 'UPSTREAM'],
      ['i', 'DOWNSTREAM'],
      ['g', 'BOTH'],
    ] as const) {
      const full = await walkFrom(org.orgId, graph.node(seed), direction);
      expect(full.isTruncated).toBe(false);
      for (let depth = 0; depth <= 4; depth += 1) {
        const bounded = await walkFrom(org.orgId, graph.node(seed), direction, { maxDepth: depth });
        expect(answerOf(bounded), `${seed} ${direction} maxDepth ${depth}`).toEqual(
          cutAt(full, depth),
        );
      }
    }
  });

  it('reads the edge details in the same bounded statement when asked', async () => {
    const org = await createTestOrg('walk-depth-details');
    const graph = await givenEdges(org.orgId, DEEP);
    const full = await walkFrom(org.orgId, graph.node('a'), 'UPSTREAM');
    const bounded = await walkFrom(org.orgId, graph.node('a'), 'UPSTREAM', {
      maxDepth: 2,
      edgeDetails: true,
    });
    expect(answerOf(bounded)).toEqual(cutAt(full, 2));
    for (const edge of bounded.edges) {
      expect(bounded.edgeDetails?.get(edge.id)?.[1]).toMatch(/^\d{4}-/);
    }
  });

  it('answers as the whole walk when the node budget ends it', async () => {
    const org = await createTestOrg('walk-depth-budget');
    const graph = await givenEdges(org.orgId, DEEP);
    for (const nodeBudget of [2, 3, 4]) {
      const full = await walkFrom(org.orgId, graph.node('a'), 'UPSTREAM', { nodeBudget });
      expect(full.isTruncated).toBe(true);
      const bounded = await walkFrom(org.orgId, graph.node('a'), 'UPSTREAM', {
        nodeBudget,
        maxDepth: 2,
      });
      expect(answerOf(bounded), `budget ${nodeBudget}`).toEqual({
        ...cutAt(full, 2),
        isTruncated: true,
      });
    }
  });

  it('reads only the rows its depth needs', async () => {
    const org = await createTestOrg('walk-depth-rows');
    const hops = 300;
    const chain = Array.from(
      { length: hops },
      (_, index) => [`e${index}`, `v${index + 1}`, `v${index}`] as const,
    );
    const graph = await givenEdges(org.orgId, chain);
    const rowsRead = async (maxDepth: number | null) => {
      const compiled = walkEdgesStatement({
        ...upstream(org.orgId, graph.node(`v${hops}`), 100_001),
        maxDepth,
      }).compile(testDb());
      const result = await env.DB.prepare(compiled.sql)
        .bind(...compiled.parameters)
        .raw({ columnNames: false });
      const meta = await env.DB.prepare(compiled.sql)
        .bind(...compiled.parameters)
        .run();
      return { rows: result.length, read: meta.meta.rows_read };
    };
    const whole = await rowsRead(null);
    expect(whole.rows).toBe(hops);
    expect(whole.read).toBeGreaterThan(10 * hops);
    for (const maxDepth of [1, 2, 3]) {
      const bounded = await rowsRead(maxDepth);
      // The count row, maxDepth edges and the one edge beyond that says the walk was cut.
      expect(bounded.rows).toBe(1 + maxDepth + 1);
      // D1 counts index entries, the CTEs' rows and the sort: 54, 76 and 94 here, whatever the
      // chain's length, against 4,218 for the whole walk of 300 hops.
      expect(bounded.read).toBeLessThan(40 * (maxDepth + 1));
    }
  });
});
