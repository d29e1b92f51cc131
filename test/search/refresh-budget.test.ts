// Issue 8 (D1 statement budget): refreshing stale embeddings during a read costs a constant number
// of statements however many versions are stale, is bounded per request (the rest is caught up by
// later requests and by the scheduled job), and still never marks a newer card as embedded.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import { searchPorts } from '../../src/ports/ports.ts';
import {
  MAX_REFRESH_PER_REQUEST,
  refreshEmbeddings,
  refreshStaleOrganizations,
} from '../../src/registry/search/search.service.ts';
import { embeddingRefreshJob, scheduledDeps } from '../../src/scheduled.ts';
import { seedModel, seedVersion } from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';

const ModelsSearch = /* GraphQL */ `
  query ($text: String!) {
    modelsSearch(text: $text, topK: 5) { score modelVersion { id } }
  }
`;

function searchDeps() {
  const db = createDb(env.DB);
  return { db, d1: env.DB, ...searchPorts(env, db, env.DB) };
}

async function seedVersions(org: TestOrg, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 25) {
    const model = await seedModel(org, `bulk-${start}`, { description: `bulk import ${start}` });
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, count - start) }, (_, offset) =>
        seedVersion(org, model.id, `1.0.${offset}`, { description: `version ${start + offset}` }),
      ),
    );
    ids.push(...batch.map((version) => version.id));
  }
  return ids;
}

async function staleCount(orgId: string): Promise<number> {
  const row = await env.DB.prepare(
    'SELECT count(*) AS n FROM model_version_embedding WHERE org_id = ? AND (embedded_generation < card_generation OR embedder IS NULL)',
  )
    .bind(orgId)
    .first<{ n: number }>();
  return row?.n ?? -1;
}

async function vectorCount(orgId: string): Promise<number> {
  const row = await env.DB.prepare('SELECT count(*) AS n FROM vector_entry WHERE org_id = ?')
    .bind(orgId)
    .first<{ n: number }>();
  return row?.n ?? -1;
}

describe('embedding refresh cost', () => {
  it('costs the same statements with 5 and with 250 stale versions, and refreshes a bounded number', async () => {
    const small = await createTestOrg('refresh-small');
    const large = await createTestOrg('refresh-large');
    await seedVersions(small, 5);
    await seedVersions(large, 250);
    // Each token's first request also records its use: make it before measuring.
    await gql(small.admin.token, '{ viewer { id } }');
    await gql(large.admin.token, '{ viewer { id } }');

    const few = await gql(small.admin.token, ModelsSearch, { text: 'bulk import version' });
    const many = await gql(large.admin.token, ModelsSearch, { text: 'bulk import version' });

    expect(few.errors).toBeUndefined();
    expect(many.errors).toBeUndefined();
    expect(await staleCount(small.orgId)).toBe(0);
    expect(await vectorCount(small.orgId)).toBe(5);
    // One request refreshes at most MAX_REFRESH_PER_REQUEST versions; the rest stay stale.
    expect(await staleCount(large.orgId)).toBe(250 - MAX_REFRESH_PER_REQUEST);
    expect(await vectorCount(large.orgId)).toBe(MAX_REFRESH_PER_REQUEST);
    // Constant: stale list, cards, one vector write per 100 vectors, one mark; then the search.
    expect(many.statements - few.statements).toBeLessThanOrEqual(1);
    expect(many.statements).toBeLessThanOrEqual(12);

    // The next request catches up the rest, again at a constant cost.
    const next = await gql(large.admin.token, ModelsSearch, { text: 'bulk import version' });
    expect(next.statements).toBeLessThanOrEqual(many.statements);
    expect(await staleCount(large.orgId)).toBe(0);
    expect(await vectorCount(large.orgId)).toBe(250);

    // Up to date: the refresh costs one read.
    const current = await gql(large.admin.token, ModelsSearch, { text: 'bulk import version' });
    expect(current.statements).toBeLessThan(next.statements);
  }, 120_000);

  it('does not mark a card embedded when its generation moved on since the stale list was read', async () => {
    const org = await createTestOrg('refresh-race');
    const [id] = await seedVersions(org, 1);
    const deps = searchDeps();
    // A card change lands while the refresh is embedding: simulated by bumping the generation from
    // inside the embedder call, after the stale list was read.
    const embed = deps.embedder.embed.bind(deps.embedder);
    deps.embedder.embed = async (texts) => {
      await env.DB.prepare(
        'UPDATE model_version_embedding SET card_generation = card_generation + 1 WHERE version_id = ?',
      )
        .bind(id)
        .run();
      return embed(texts);
    };
    const result = await refreshEmbeddings(deps, org.orgId);
    expect(result).toEqual({ embedded: 1, checked: 1 });
    expect(await staleCount(org.orgId)).toBe(1);
  });
});

describe('search-embedding-refresh scheduled job', () => {
  it('refreshes the stale embeddings of organizations without any search', async () => {
    const org = await createTestOrg('refresh-job');
    await seedVersions(org, 30);
    expect(await staleCount(org.orgId)).toBe(30);

    const result = await refreshStaleOrganizations(searchDeps(), 1_000);

    expect(result.organizations).toBeGreaterThanOrEqual(1);
    expect(await staleCount(org.orgId)).toBe(0);
    expect(await vectorCount(org.orgId)).toBe(30);
    // Caught up: a second run leaves it as it is (other test files' organizations may be stale).
    await refreshStaleOrganizations(searchDeps(), 1_000);
    expect(await staleCount(org.orgId)).toBe(0);
    expect(await vectorCount(org.orgId)).toBe(30);
  }, 60_000);

  it('runs as the Worker runs it, from the environment', async () => {
    const org = await createTestOrg('refresh-job-env');
    await seedVersions(org, 3);
    // Other organizations of this file may be stale too: run until this one is caught up.
    for (let run = 0; run < 10 && (await staleCount(org.orgId)) > 0; run += 1) {
      await embeddingRefreshJob(scheduledDeps(env));
    }
    expect(await staleCount(org.orgId)).toBe(0);
    expect(await vectorCount(org.orgId)).toBe(3);
  }, 60_000);
});
