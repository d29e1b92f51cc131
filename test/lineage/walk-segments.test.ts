// Walks past the edge-row budget (issue 20, section 5): answered a breadth-first segment at a time
// from a stored frontier. The pages together are the whole walk (every node and edge once, at the
// whole walk's depth), no page holds more rows than the budget, a later page reads only from where
// the previous one stopped, and a cursor of another organization, another walk or a tampered one
// is refused as bad input.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import type { EdgeType } from '../../src/registry/lineage/lineage.ts';
import { type LineagePage, parseWalkCursor, walkCursor } from '../../src/registry/lineage/pages.ts';
import type { WalkEdgeRow } from '../../src/registry/lineage/traversal.repository.ts';
import {
  DEFAULT_NODE_BUDGET,
  directionsOf,
  edgeTypesOf,
  firstSegmentOfRows,
  type LineageDirection,
  type LineageNodeEntry,
  type LineageRequest,
  type LineageWalk,
  type SegmentWalk,
  seedEntriesOf,
  segmentOf,
  walkLineage,
} from '../../src/registry/lineage/traversal.service.ts';
import { lineagePage } from '../../src/registry/lineage/walk-segments.service.ts';
import {
  type SegmentEdgeRow,
  walkSegment,
} from '../../src/registry/lineage/walk-state.repository.ts';
import { serviceDeps, viewerOf } from '../helpers/fixtures.ts';
import { createTestOrg, type TestOrg, testDb } from '../helpers/graphql.ts';
import { fetchWorker, graphqlBody, graphqlRequest } from '../http/worker-client.ts';
import { givenDiamond } from './given-graphs.ts';
import { GraphBuilder } from './graph-builder.ts';
import { Lineage, type LineageJson } from './lineage-query.ts';

/** A seeded pseudo-random DAG of raw edges: node i derives from 1-3 of the nodes before it. */
async function givenDag(org: TestOrg, size: number, seed = 7) {
  const prefix = crypto.randomUUID().slice(0, 8);
  const node = (index: number) => `${prefix}-n${index}`;
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const edges: [string, EdgeType, string, string][] = [];
  for (let index = 1; index < size; index++) {
    const parents = new Set<number>();
    const count = 1 + Math.floor(random() * 3);
    for (let k = 0; k < count; k++) parents.add(Math.floor(random() * index));
    for (const parent of parents) {
      edges.push([`${prefix}-e${index}-${parent}`, 'DERIVED_FROM', node(index), node(parent)]);
    }
    // Every fifth node is also deployed: an edge whose target is downstream.
    if (index % 5 === 0) {
      edges.push([`${prefix}-d${index}`, 'DEPLOYED_TO', node(index), `${prefix}-dep${index}`]);
    }
  }
  const now = new Date().toISOString();
  await env.DB.batch(
    edges.map(([id, type, src, dst]) =>
      env.DB.prepare(
        `INSERT INTO edge (id, org_id, type, src_id, src_kind, dst_id, dst_kind, created_at)
         VALUES (?, ?, ?, ?, 'ModelVersion', ?, ?, ?)`,
      ).bind(
        id,
        org.orgId,
        type,
        src,
        dst,
        type === 'DEPLOYED_TO' ? 'Deployment' : 'ModelVersion',
        now,
      ),
    ),
  );
  return { node, edges };
}

/** A chain of `length` hops, v<length> derived from ... from v0; returns the ids' prefix. */
async function givenChain(org: TestOrg, length: number) {
  const prefix = crypto.randomUUID().slice(0, 8);
  const now = new Date().toISOString();
  await env.DB.batch(
    Array.from({ length }, (_, index) =>
      env.DB.prepare(
        `INSERT INTO edge (id, org_id, type, src_id, src_kind, dst_id, dst_kind, created_at)
         VALUES (?, ?, 'DERIVED_FROM', ?, 'ModelVersion', ?, 'ModelVersion', ?)`,
      ).bind(
        `${prefix}-e${index}`,
        org.orgId,
        `${prefix}-v${index + 1}`,
        `${prefix}-v${index}`,
        now,
      ),
    ),
  );
  return prefix;
}

function requestOf(
  id: string,
  direction: LineageDirection,
  edgeRowBudget?: number,
): LineageRequest {
  return { root: { kind: 'ModelVersion', id }, rootExists: true, direction, edgeRowBudget };
}

/** Follows endCursor from the first page to the last (at most `limit` pages). */
async function allPages(
  org: TestOrg,
  request: LineageRequest,
  limit = 200,
  deps: Parameters<typeof lineagePage>[0] = serviceDeps(),
) {
  const pages: LineagePage[] = [];
  let page = await lineagePage(deps, viewerOf(org, 'VIEWER'), request, {
    size: 1_000_000,
    after: null,
  });
  pages.push(page);
  while (page.hasNextPage && pages.length < limit) {
    const segment = parseWalkCursor(page.endCursor as string);
    expect(segment, 'the last page of a cut walk points at the next segment').not.toBeNull();
    page = await lineagePage(deps, viewerOf(org, 'VIEWER'), request, {
      size: 1_000_000,
      after: null,
      segment,
    });
    pages.push(page);
  }
  return pages;
}

/** Every node and edge of the pages with its depth, failing on one listed twice. */
function unionOf(pages: readonly LineagePage[]) {
  const nodes = new Map<string, number>();
  const edges = new Map<string, number>();
  for (const page of pages) {
    for (const node of page.nodes) {
      expect(nodes.has(`${node.reachedBy}:${node.id}`), `node ${node.id} twice`).toBe(false);
      nodes.set(`${node.reachedBy}:${node.id}`, node.depth);
    }
    for (const edge of page.edges) {
      expect(edges.has(edge.id), `edge ${edge.id} twice`).toBe(false);
      edges.set(edge.id, edge.depth);
    }
  }
  return { nodes, edges };
}

/**
 * A model m whose versions are on both sides of another model's: a (trained on d1) <- x1 (also
 * trained on d2) <- x2 <- b (derived from x1 and x2) <- c, so x1 and x2 are downstream of a and
 * upstream of b and c; y1 derives from x2 (downstream only), p1 serves x2 and y1, p2 serves b.
 * A BOTH walk from m reaches x1, x2 and their edges to m's versions both ways.
 */
async function givenModelAroundAnother() {
  const graph = await GraphBuilder.forNewOrg('segments-model');
  for (const name of ['d1', 'd2']) await graph.dataset(name);
  for (const name of ['m', 'x', 'y']) await graph.model(name);
  await graph.version('a', 'm', '1.0.0', { trainedOn: ['d1'] });
  await graph.version('x1', 'x', '1.0.0', { derivedFrom: ['a'], trainedOn: ['d2'] });
  await graph.version('x2', 'x', '2.0.0', { derivedFrom: ['x1'] });
  await graph.version('b', 'm', '2.0.0', { derivedFrom: ['x2', 'x1'] });
  await graph.version('c', 'm', '3.0.0', { derivedFrom: ['b'] });
  await graph.version('y1', 'y', '1.0.0', { derivedFrom: ['x2'] });
  await graph.deployment('p1', 'production', ['x2', 'y1']);
  await graph.deployment('p2', 'staging', ['b']);
  return graph;
}

describe('a BOTH walk from a model past the edge-row budget', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])(
    'lists each node and edge once over its pages, %i rows at a time',
    async (budget) => {
      // given the model's walk held whole: x1 and x2 are reached both ways
      const graph = await givenModelAroundAnother();
      const request = (edgeRowBudget?: number): LineageRequest => ({
        root: graph.ref('m'),
        rootExists: true,
        direction: 'BOTH',
        edgeRowBudget,
      });
      const whole = await walkLineage(testDb(), graph.org.orgId, request());
      expect(whole.isTruncated).toBe(false);
      const names = (list: readonly { id: string }[]) =>
        list.map((entry) => graph.nameOf(entry.id)).sort();
      expect(names(whole.nodes)).toEqual(
        ['m', 'a', 'b', 'c', 'd1', 'd2', 'x1', 'x2', 'y1', 'p1', 'p2'].sort(),
      );
      expect(whole.edges).toHaveLength(11);

      // when
      const pages = await allPages(graph.org, request(budget));

      // then the pages are the whole walk, each node and edge on exactly one page
      expect(pages.length).toBeGreaterThan(1);
      for (const page of pages) expect(page.edges.length).toBeLessThanOrEqual(budget);
      const nodes = pages.flatMap((page) => page.nodes.map((node) => node.id));
      const edges = pages.flatMap((page) => page.edges.map((edge) => edge.id));
      expect([...nodes].sort()).toEqual(whole.nodes.map((node) => node.id).sort());
      expect([...edges].sort()).toEqual(whole.edges.map((edge) => edge.id).sort());
      const last = pages.at(-1) as LineagePage;
      expect(last).toMatchObject({
        hasNextPage: false,
        isTruncated: false,
        totalNodes: whole.nodes.length,
        totalEdges: whole.edges.length,
      });
      // every edge end resolves on its page: a node of the page or, as that page listed it
      // (depth, reachedBy), one an earlier page listed
      const listed = new Map<string, string>();
      for (const page of pages) {
        for (const node of page.nodes) listed.set(node.id, `${node.reachedBy}@${node.depth}`);
        if (page === pages[0]) continue;
        const ends = page.endEntries as ReadonlyMap<string, LineageNodeEntry>;
        for (const edge of page.edges) {
          for (const end of [edge.source, edge.target]) {
            const entry = ends.get(end.id);
            expect(entry && `${entry.reachedBy}@${entry.depth}`, graph.nameOf(end.id)).toBe(
              listed.get(end.id),
            );
          }
        }
      }
    },
  );
});

describe('a walk past the edge-row budget', () => {
  it.each([
    ['UPSTREAM', 'n59', 3],
    ['DOWNSTREAM', 'n0', 7],
    ['DOWNSTREAM', 'n3', 5],
    ['BOTH', 'n30', 3],
    // A budget of 1 or 2 rows stops inside nearly every node: each resumes after its last edge.
    ['DOWNSTREAM', 'n0', 1],
    ['DOWNSTREAM', 'n1', 2],
    ['UPSTREAM', 'n50', 1],
    ['BOTH', 'n20', 2],
  ] as const)(
    'pages %s from %s, %i rows at a time, into exactly the whole walk',
    async (direction, root, budget) => {
      // given a 60-node DAG
      const org = await createTestOrg('segments');
      const graph = await givenDag(org, 60);
      const whole = await walkLineage(
        testDb(),
        org.orgId,
        requestOf(graph.node(Number(root.slice(1))), direction),
      );
      expect(whole.isTruncated).toBe(false);
      expect(whole.edges.length).toBeGreaterThan(3 * budget);

      // when
      const pages = await allPages(
        org,
        requestOf(graph.node(Number(root.slice(1))), direction, budget),
      );

      // then every page holds at most the budget, and together they are the whole walk
      expect(pages.length).toBeGreaterThan(2);
      for (const page of pages) expect(page.edges.length).toBeLessThanOrEqual(budget);
      const union = unionOf(pages);
      expect(new Map([...union.nodes].map(([key, depth]) => [key.split(':')[1], depth]))).toEqual(
        new Map(whole.nodes.map((node) => [node.id, node.depth])),
      );
      expect(union.edges).toEqual(new Map(whole.edges.map((edge) => [edge.id, edge.depth])));
      expect(pages.slice(0, -1).every((page) => page.isTruncated && page.hasNextPage)).toBe(true);
      const last = pages.at(-1) as LineagePage;
      expect(last).toMatchObject({ hasNextPage: false, isTruncated: false, endCursor: null });
      expect(last.totalNodes).toBe(whole.nodes.length);
      expect(last.totalEdges).toBe(whole.edges.length);
      expect(last.depthReached).toBe(whole.depthReached);
      // every edge end resolves on its page: a node of the page or one an earlier page listed
      for (const page of pages.slice(1)) {
        const ends = page.endEntries as ReadonlyMap<string, unknown>;
        for (const edge of page.edges) {
          expect(ends.has(edge.source.id) && ends.has(edge.target.id)).toBe(true);
        }
      }
    },
  );

  it('answers the same page when a cursor is followed twice', async () => {
    // given a 60-node DAG walked upstream 6 rows at a time, three pages in
    const org = await createTestOrg('segments-replay');
    const graph = await givenDag(org, 60);
    const request = requestOf(graph.node(59), 'UPSTREAM', 6);
    const pages = await allPages(org, request, 3);
    const cursor = parseWalkCursor(pages[1]?.endCursor as string);

    // when
    const again = await lineagePage(serviceDeps(), viewerOf(org, 'VIEWER'), request, {
      size: 1_000_000,
      after: null,
      segment: cursor,
    });

    // then
    const ids = (page: LineagePage | undefined) => ({
      nodes: page?.nodes.map((node) => `${node.id}@${node.depth}`),
      edges: page?.edges.map((edge) => `${edge.id}@${edge.depth}`),
      next: page?.endCursor,
    });
    expect(ids(again)).toEqual(ids(pages[2]));
  });

  it('keeps maxDepth across pages', async () => {
    // given a 60-node DAG
    const org = await createTestOrg('segments-depth');
    const graph = await givenDag(org, 60);
    const whole = await walkLineage(testDb(), org.orgId, {
      ...requestOf(graph.node(0), 'DOWNSTREAM'),
      maxDepth: 4,
    });

    // when
    const pages = await allPages(org, {
      ...requestOf(graph.node(0), 'DOWNSTREAM', 5),
      maxDepth: 4,
    });

    // then
    const union = unionOf(pages);
    expect(union.edges).toEqual(new Map(whole.edges.map((edge) => [edge.id, edge.depth])));
    expect(Math.max(...union.nodes.values())).toBeLessThanOrEqual(4);
    expect(union.nodes.size).toBe(whole.nodes.length);
    // and the last page says that maxDepth cut the walk, as the whole walk does
    expect(whole.isTruncated).toBe(true);
    expect(pages.at(-1)).toMatchObject({ hasNextPage: false, isTruncated: true });
  });

  it('says the walk is whole when maxDepth is past its deepest node', async () => {
    // given a 60-node DAG and a maxDepth one past the deepest node downstream of n0 (at the
    // deepest node's own depth, its edges to nodes reached before would be cut)
    const org = await createTestOrg('segments-depth-past');
    const graph = await givenDag(org, 60);
    const whole = await walkLineage(testDb(), org.orgId, requestOf(graph.node(0), 'DOWNSTREAM'));

    // when
    const pages = await allPages(org, {
      ...requestOf(graph.node(0), 'DOWNSTREAM', 5),
      maxDepth: whole.depthReached + 1,
    });

    // then
    expect(whole.isTruncated).toBe(false);
    expect(unionOf(pages).edges.size).toBe(whole.edges.length);
    expect(pages.at(-1)).toMatchObject({ hasNextPage: false, isTruncated: false });
  });

  it('reads each page from the frontier, not the walk before it', async () => {
    // given a 400-hop chain walked upstream 10 rows at a time, its statements recorded
    const org = await createTestOrg('segments-rows');
    const prefix = await givenChain(org, 400);
    const recorded = recordingD1(env.DB);
    const request = requestOf(`${prefix}-v400`, 'UPSTREAM', 10);

    // when
    const pages = await allPages(org, request, 200, recorded.deps);

    // then 40 pages of 10 edges, each page's walk statement reading about as much as the first's
    expect(pages.length).toBeGreaterThanOrEqual(40);
    expect(unionOf(pages).edges.size).toBe(400);
    const walks = recorded.statements.filter(([query]) => query.includes('WITH RECURSIVE'));
    const rowsRead = async ([query, values]: [string, unknown[]]) =>
      (
        await env.DB.prepare(query)
          .bind(...values)
          .run()
      ).meta.rows_read;
    // the whole chain at once (the first request's walk, its rows the first segment), then the
    // later segments
    const whole = await rowsRead(walks[0] as [string, unknown[]]);
    const second = await rowsRead(walks[1] as [string, unknown[]]);
    const late = await rowsRead(walks[36] as [string, unknown[]]);
    expect(whole).toBeGreaterThan(1_000);
    expect(late).toBeLessThan(2 * second + 50);
    expect(late * 10).toBeLessThan(whole);
  });
});

describe('the first segment past the edge-row budget', () => {
  /** A segment as its page and the stored walk see it. */
  const shapeOf = (segment: SegmentWalk) => ({
    nodes: segment.nodes.map((node) => `${node.id}@${node.depth}`),
    edges: segment.edges.map((edge) => `${edge.id}@${edge.depth}`),
    discovered: segment.discovered.map((node) => node.join(' ')).sort(),
    complete: segment.complete,
    cut: segment.cut,
    details: segment.details,
  });

  // The cases and how each first segment comes out: `same` rows as the segment statement's,
  // `before` a node the walk's join stopped inside (fewer rows), `walked` by the segment statement
  // (one node holds more than half the budget's edges on one side).
  it.each([
    ['UPSTREAM', 'n59', 3, null, false, 'before'],
    ['UPSTREAM', 'n59', 12, null, true, 'before'],
    ['DOWNSTREAM', 'n0', 7, null, false, 'before'],
    ['DOWNSTREAM', 'n0', 20, 5, false, 'before'],
    ['DOWNSTREAM', 'n0', 5, 1, false, 'walked'],
    ['DOWNSTREAM', 'n3', 5, null, true, 'before'],
    ['DOWNSTREAM', 'n1', 2, null, false, 'walked'],
    ['UPSTREAM', 'n50', 1, null, false, 'walked'],
    ['BOTH', 'n30', 3, null, false, 'before'],
    ['BOTH', 'n20', 9, null, true, 'same'],
  ] as const)(
    'from the walk statement’s rows: %s from %s, %i rows, maxDepth %s, details %s: %s',
    async (direction, root, budget, maxDepth, details, how) => {
      // given a 60-node DAG, and the first segment the segment statement walks from the root
      const org = await createTestOrg('segments-first');
      const graph = await givenDag(org, 60);
      const id = graph.node(Number(root.slice(1)));
      const recorded = recordingD1(env.DB);

      // when the walk runs past the budget
      const walk = await walkLineage(recorded.deps.db, org.orgId, {
        ...requestOf(id, direction, budget),
        maxDepth,
        edgeDetails: details,
      });

      // then its first segment is the segment statement's, or that segment up to a node the
      // walk's join stopped inside; only a segment walked again ran a second walk statement
      const overflow = walk.overflow as NonNullable<LineageWalk['overflow']>;
      expect(overflow).not.toBeNull();
      const walks = recorded.statements.filter(([query]) => query.includes('WITH RECURSIVE'));
      const walked = walks.length > overflow.directionIndex + 1;
      const seeds = seedEntriesOf({ kind: 'ModelVersion', id }, [id]);
      const toward = directionsOf(direction)[overflow.directionIndex] as 'UPSTREAM' | 'DOWNSTREAM';
      const rowsLeft = budget - (walk.edges.length - overflow.segment.edges.length);
      const nodeLimit = Math.min(DEFAULT_NODE_BUDGET + 1, seeds.length + rowsLeft + 1);
      const rows = await walkSegment(testDb(), {
        orgId: org.orgId,
        direction: toward,
        edgeTypes: edgeTypesOf(null),
        asOf: null,
        details,
        seeds: [id],
        stored: null,
        listedBy: null,
        resume: null,
        nodeLimit,
        rowLimit: rowsLeft + 1,
      });
      const statement = segmentOf(seeds, rows, {
        direction: toward,
        maxDepth,
        nodeLimit,
        rowLimit: rowsLeft,
        recordStart: true,
      });
      const mine = shapeOf(overflow.segment);
      const theirs = shapeOf(statement);
      const same =
        overflow.segment.resume !== null || JSON.stringify(mine) === JSON.stringify(theirs);
      expect(walked ? 'walked' : same ? 'same' : 'before').toBe(how);
      expect(walks).toHaveLength(overflow.directionIndex + (walked ? 2 : 1));
      if (how !== 'before') {
        expect(mine).toEqual(theirs);
        expect(overflow.segment.resume).toEqual(statement.resume);
        return;
      }
      // ended before a node: that node's edges and those after it are left out, the rest is the
      // statement's (each node and edge at the same depth), and the next segment starts there
      expect(overflow.segment.resume).toBeNull();
      expect(mine.edges.length * 2).toBeGreaterThanOrEqual(rowsLeft);
      expect(mine.edges.length).toBeLessThanOrEqual(theirs.edges.length);
      expect(theirs.edges).toEqual(expect.arrayContaining(mine.edges));
      expect(theirs.nodes).toEqual(expect.arrayContaining(mine.nodes));
      const depthOf = (list: string[]) =>
        list.map((entry) => entry.split(' ').slice(0, 3).join(' '));
      expect(depthOf(theirs.discovered)).toEqual(expect.arrayContaining(depthOf(mine.discovered)));
      expect(mine.complete).toBe(false);
    },
  );

  it('orders the edges made from the walk rows as the segment statement’s order would', () => {
    // given a tree of 200 nodes (each reached from node (i - 1) / 3), its edges' ids in no
    // relation to the queue, the rows in edge id order as the walk statement returns them
    const id = (index: number) => `n${String(index).padStart(4, '0')}`;
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed.toString(16).padStart(8, '0');
    };
    const rows: WalkEdgeRow[] = [];
    for (let child = 1; child < 200; child++) {
      const parent = Math.floor((child - 1) / 3);
      rows.push([
        random(),
        'DEPLOYED_TO',
        id(parent),
        'ModelVersion',
        id(child),
        'Deployment',
        200,
        parent + 1,
      ]);
    }
    rows.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const bySeq: SegmentEdgeRow[] = rows
      .map(
        (row): SegmentEdgeRow => [
          row[7] as number,
          row[0],
          row[1],
          row[2],
          row[3],
          row[4],
          row[5],
          row[6],
          null,
          null,
        ],
      )
      .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    const seeds = seedEntriesOf({ kind: 'ModelVersion', id: id(0) }, [id(0)]);
    const query = {
      seeds,
      direction: 'DOWNSTREAM',
      maxDepth: null,
      nodeLimit: 1000,
      rowLimit: 300,
    } as const;

    // when the first segment is made from those rows (edges put in order by bucketing), and by
    // segmentOf from the same rows in the segment statement's order (edges sorted by depth, id)
    const fromWalk = firstSegmentOfRows([...rows], 10_000, query);
    const sorted = segmentOf(seeds, bySeq, {
      ...query,
      recordStart: true,
      endsBefore: Number.POSITIVE_INFINITY,
    });

    // then both list the same edges and nodes, in the same (depth, id) order
    expect(fromWalk).not.toBeNull();
    expect(sorted.edges).toHaveLength(199);
    expect(shapeOf(fromWalk as SegmentWalk)).toEqual(shapeOf(sorted));
    const keys = sorted.edges.map((edge) => [edge.depth, edge.id] as const);
    expect(keys).toEqual(
      [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)),
    );
  });

  it('comes from the walk statement, once per page, on a chain paged 10 rows at a time', async () => {
    // given a 100-hop chain, its statements recorded
    const org = await createTestOrg('segments-one-walk');
    const prefix = await givenChain(org, 100);
    const recorded = recordingD1(env.DB);

    // when
    const pages = await allPages(
      org,
      requestOf(`${prefix}-v100`, 'UPSTREAM', 10),
      200,
      recorded.deps,
    );

    // then 10 pages of 10 edges (the walk's join stopped inside v90's edge: it starts page 2),
    // each page one walk statement: the first page's segment is made of the first walk's rows
    expect(pages.map((page) => page.edges.length)).toEqual(Array(10).fill(10));
    expect(pages[0]?.edges.map((edge) => edge.to.id).at(-1)).toBe(`${prefix}-v90`);
    const walks = recorded.statements.filter(([query]) => query.includes('WITH RECURSIVE'));
    expect(walks).toHaveLength(pages.length);
  });
});

/** Records the SQL and values of every walk statement (`raw()`) a Db runs. */
function recordingD1(d1: D1Database) {
  const statements: [string, unknown[]][] = [];
  const wrap = (statement: D1PreparedStatement, query: string): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, key) {
        if (key === 'bind') {
          return (...values: unknown[]) => {
            const bound = wrap(target.bind(...values), query);
            return new Proxy(bound, {
              get(inner, innerKey) {
                if (innerKey === 'raw') statements.push([query, values]);
                const value = Reflect.get(inner, innerKey);
                return typeof value === 'function' ? value.bind(inner) : value;
              },
            });
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const binding = new Proxy(d1, {
    get(target, key) {
      if (key === 'prepare') return (query: string) => wrap(target.prepare(query), query);
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { deps: { db: createDb(binding), d1 }, statements };
}

describe('a cursor of a stored walk, through the API', () => {
  const vars = { LINEAGE_EDGE_ROW_BUDGET: '2' };
  const send = async (token: string, variables: Record<string, unknown>) =>
    graphqlBody(await fetchWorker(graphqlRequest(token, { query: Lineage, variables }), vars));

  it('pages the diamond two edges at a time into its whole lineage', async () => {
    // given d -> v1, v2 -> v3 -> prod, stage, with a budget of 2 edge rows
    const graph = await givenDiamond();
    const pages: LineageJson[] = [];
    let after: string | null = null;

    // when
    do {
      const body = await send(graph.org.tokens.VIEWER, {
        id: graph.gid('v3'),
        direction: 'BOTH',
        after,
      });
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      const page = body.data?.node?.lineage as LineageJson;
      pages.push(page);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after && pages.length < 20);

    // then
    expect(pages.length).toBeGreaterThan(2);
    const nodes = pages.flatMap((page) => page.nodes.map((node) => graph.nameOf(node.id)));
    expect([...nodes].sort()).toEqual(['d', 'prod', 'stage', 'v1', 'v2', 'v3']);
    const edges = pages.flatMap((page) => page.edges.map((edge) => edge.id));
    expect(new Set(edges).size).toBe(6);
    expect(edges).toHaveLength(6);
    expect(pages.at(-1)).toMatchObject({ isTruncated: false, totalNodes: 6, totalEdges: 6 });
    // a page ends at the budget, not one row short of it: no page comes back empty
    expect(pages.map((page) => page.edges.length)).toEqual([2, 2, 2]);
  });

  it('refuses a cursor of another organization, of other arguments or tampered', async () => {
    // given a cut walk of the diamond, and another organization
    const graph = await givenDiamond();
    const theirs = await createTestOrg('stranger');
    const first = await send(graph.org.tokens.VIEWER, { id: graph.gid('v3'), direction: 'BOTH' });
    const cursor = lineageOfBody(first).pageInfo.endCursor as string;
    const position = parseWalkCursor(cursor);
    expect(position).not.toBeNull();

    // when
    const foreign = await send(theirs.tokens.ADMIN, {
      id: graph.gid('v3'),
      direction: 'BOTH',
      after: cursor,
    });
    const otherArguments = await send(graph.org.tokens.VIEWER, {
      id: graph.gid('v3'),
      direction: 'UPSTREAM',
      after: cursor,
    });
    const otherRoot = await send(graph.org.tokens.VIEWER, {
      id: graph.gid('v1'),
      direction: 'BOTH',
      after: cursor,
    });
    const tampered = await send(graph.org.tokens.VIEWER, {
      id: graph.gid('v3'),
      direction: 'BOTH',
      // One character changed (never to itself: an id ending in 0 would stay the same).
      after: walkCursor({
        walkId: `${position?.walkId.slice(0, -1)}${position?.walkId.endsWith('0') ? '1' : '0'}`,
        segment: 2,
      }),
    });
    const skipped = await send(graph.org.tokens.VIEWER, {
      id: graph.gid('v3'),
      direction: 'BOTH',
      after: walkCursor({ walkId: position?.walkId as string, segment: 9 }),
    });

    // then (the stranger cannot see v3 at all: no node, so no walk to continue)
    expect(foreign.errors).toBeUndefined();
    expect(foreign.data?.node ?? null).toBeNull();
    for (const refused of [otherArguments, otherRoot, tampered, skipped]) {
      expect(refused.errors, JSON.stringify(refused)).toHaveLength(1);
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argument: 'after',
      });
      expect(refused.data?.node?.lineage ?? null).toBeNull();
    }
  });

  it('refuses a cursor of another organization’s walk from the same root id', async () => {
    // given the same cursor used by another organization on its own node
    const graph = await givenDiamond();
    const other = await givenDiamond();
    const first = await send(graph.org.tokens.VIEWER, { id: graph.gid('v3'), direction: 'BOTH' });
    const cursor = lineageOfBody(first).pageInfo.endCursor as string;

    // when
    const borrowed = await send(other.org.tokens.VIEWER, {
      id: other.gid('v3'),
      direction: 'BOTH',
      after: cursor,
    });

    // then
    expect(borrowed.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'after',
    });
  });

  it('refuses a tampered cursor on the REST graph route with its query path', async () => {
    // given
    const graph = await givenDiamond();

    // when
    const response = await fetchWorker(
      new Request(
        `http://registry.test/api/lineage/${encodeURIComponent(graph.gid('v3'))}/graph?after=${encodeURIComponent(walkCursor({ walkId: 'nope', segment: 2 }))}`,
        { headers: { authorization: `Bearer ${graph.org.tokens.VIEWER}` } },
      ),
      vars,
    );

    // then
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('after');
  });
});

/** The lineage of a GraphQL answer, failing the test when there is none. */
function lineageOfBody(body: { data?: Record<string, any> | null }): LineageJson {
  const lineage = body.data?.node?.lineage as LineageJson | undefined;
  expect(lineage, JSON.stringify(body).slice(0, 500)).toBeDefined();
  return lineage as LineageJson;
}
