// lineagePath walks no further than it must (issue 20): growing node budgets until one reaches the
// target, and a depth bound that refuses longer paths.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import { findPathBetween } from '../../src/registry/lineage/lineage-path.service.ts';
import { findLineagePath, PATH_WALK_STAGES } from '../../src/registry/lineage/traversal.service.ts';
import { seedDataset, seedModel, seedVersion, serviceDeps, viewerOf } from '../helpers/fixtures.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';
import { givenChain } from './given-graphs.ts';

/** A D1 binding that records how many rows each `raw()` statement returned (the walks). */
function countingD1(d1: D1Database) {
  const walks: number[] = [];
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, key) {
        if (key === 'bind') {
          return (...values: unknown[]) => wrap(target.bind(...values));
        }
        if (key === 'raw') {
          return async (...args: never[]) => {
            const rows = await (target.raw as (...a: never[]) => Promise<unknown[]>)(...args);
            walks.push(rows.length);
            return rows;
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const binding = new Proxy(d1, {
    get(target, key) {
      if (key === 'prepare') return (query: string) => wrap(target.prepare(query));
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: createDb(binding), walks };
}

/**
 * tip DERIVED_FROM x1 DERIVED_FROM x2 ... x{hops}, and x{datasetAt} TRAINED_ON dataset d: d is
 * datasetAt + 1 hops upstream of the tip.
 */
async function givenLongChainNearTarget(hops: number, datasetAt = 1) {
  const org = await createTestOrg('path-stages');
  const model = await seedModel(org, 'm');
  const tip = await seedVersion(org, model.id, '1.0.0');
  const dataset = await seedDataset(org, 'd');
  const prefix = crypto.randomUUID().slice(0, 8);
  const now = new Date().toISOString();
  const edge = (id: string, type: string, src: string, dst: string, dstKind: string) =>
    env.DB.prepare(
      `INSERT INTO edge (id, org_id, type, src_id, src_kind, dst_id, dst_kind, created_at)
       VALUES (?, ?, ?, ?, 'ModelVersion', ?, ?, ?)`,
    ).bind(id, org.orgId, type, src, dst, dstKind, now);
  const node = (index: number) => (index === 0 ? tip.id : `${prefix}-x${index}`);
  const statements = [edge(`${prefix}-d`, 'TRAINED_ON', node(datasetAt), dataset.id, 'Dataset')];
  for (let index = 0; index < hops; index++) {
    statements.push(
      edge(`${prefix}-e${index}`, 'DERIVED_FROM', node(index), node(index + 1), 'ModelVersion'),
    );
  }
  await env.DB.batch(statements);
  return { org, tip, dataset };
}

describe('lineagePath walks', () => {
  it('stops at the first node budget that reaches the target', async () => {
    // given a dataset two hops upstream of the tip of a 1,000-hop chain
    const hops = 1_000;
    const { org, tip, dataset } = await givenLongChainNearTarget(hops);
    const { db, walks } = countingD1(env.DB);

    // when
    const path = await findLineagePath(db, org.orgId, {
      from: { kind: 'ModelVersion', id: tip.id },
      to: { kind: 'Dataset', id: dataset.id },
    });

    // then the path is found by the first upstream stage, which read a prefix of the chain only
    expect(path?.edges.map((edge) => edge.type)).toEqual(['DERIVED_FROM', 'TRAINED_ON']);
    // downstream (nothing), then upstream cut at the first stage's node budget
    expect(walks).toHaveLength(2);
    expect(walks[1]).toBeLessThanOrEqual(PATH_WALK_STAGES[0]);
    expect(path?.walk.nodes.length).toBeLessThanOrEqual(PATH_WALK_STAGES[0]);
  });

  it('walks on past the first stages when the target is further', async () => {
    // given a dataset at the far end of a 600-hop chain: 601 hops upstream of the tip
    const hops = 600;
    const { org, tip, dataset } = await givenLongChainNearTarget(hops, hops);
    const { db, walks } = countingD1(env.DB);

    // when
    const path = await findLineagePath(db, org.orgId, {
      from: { kind: 'ModelVersion', id: tip.id },
      to: { kind: 'Dataset', id: dataset.id },
    });

    // then the first stage was cut short of it, the second reached it
    expect(path?.edges).toHaveLength(hops + 1);
    expect(path?.edges.at(-1)?.type).toBe('TRAINED_ON');
    expect(walks).toHaveLength(3);
    expect(walks[1]).toBeLessThanOrEqual(PATH_WALK_STAGES[0]);
    expect(walks[2]).toBe(hops + 1);
  });

  it('finds a target past one request’s edge rows, walking on segment by segment', async () => {
    // given a dataset 121 hops upstream of the tip, and a budget of 50 edge rows per request
    const hops = 120;
    const { org, tip, dataset } = await givenLongChainNearTarget(hops, hops);
    const request = {
      from: { kind: 'ModelVersion' as const, id: tip.id },
      to: { kind: 'Dataset' as const, id: dataset.id },
      edgeRowBudget: 50,
    };

    // when / then: the whole path, its edges in order from the tip
    const path = await findPathBetween(serviceDeps(), viewerOf(org), request);
    expect(path?.edges).toHaveLength(hops + 1);
    expect(path?.edges[0]?.from.id).toBe(tip.id);
    expect(path?.edges.at(-1)?.to.id).toBe(dataset.id);
    for (const [index, edge] of (path?.edges ?? []).entries()) {
      if (index > 0) expect(edge.from.id).toBe(path?.edges[index - 1]?.to.id);
    }
    // the staged walks alone stop at the budget and would answer "not connected"
    expect(await findLineagePath(createDb(env.DB), org.orgId, request)).toBeNull();
    // and with maxDepth short of the target, still null
    expect(
      await findPathBetween(serviceDeps(), viewerOf(org), { ...request, maxDepth: hops }),
    ).toBeNull();
  });

  it('refuses paths longer than maxDepth, through the API', async () => {
    // given v1 <- v2 <- v3
    const graph = await givenChain();
    const query = /* GraphQL */ `
      query PathWithin($from: ID!, $to: ID!, $maxDepth: Int) {
        lineagePath(from: $from, to: $to, maxDepth: $maxDepth) {
          length
        }
      }
    `;

    // when
    const within = async (maxDepth: number | null) =>
      (
        await gql(graph.org.tokens.VIEWER, query, {
          from: graph.gid('v1'),
          to: graph.gid('v3'),
          maxDepth,
        })
      ).data?.lineagePath ?? null;

    // then
    expect(await within(1)).toBeNull();
    expect(await within(2)).toEqual({ length: 2 });
    expect(await within(5)).toEqual({ length: 2 });
    expect(await within(null)).toEqual({ length: 2 });
  });

  it('answers a negative maxDepth as a validation error naming the argument', async () => {
    // given v1 <- v2 <- v3
    const graph = await givenChain();

    // when
    const response = await gql(
      graph.org.tokens.VIEWER,
      'query($a: ID!, $b: ID!) { lineagePath(from: $a, to: $b, maxDepth: -1) { length } }',
      { a: graph.gid('v1'), b: graph.gid('v3') },
    );

    // then
    expect(response.errors?.[0]?.extensions).toMatchObject({ argument: 'maxDepth' });
  });
});
