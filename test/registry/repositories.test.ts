import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BatchQuery, runBatch } from '../../src/db/batch.ts';
import { countingD1, createDb, type StatementCounter } from '../../src/db/client.ts';
import { insertAuditEvent } from '../../src/registry/audit/audit.repository.ts';
import { findDatasetsByIds, insertDataset } from '../../src/registry/dataset/dataset.repository.ts';
import { newId, nowIso } from '../../src/registry/ids.ts';
import {
  findEdgePages,
  findEdgePagesByModelIds,
  findEdgesByEndpoint,
  findEdgesByIds,
  findExistingNodeIds,
  insertEdge,
} from '../../src/registry/lineage/lineage.repository.ts';
import type { EdgeTable } from '../../src/registry/lineage/lineage.table.ts';
import {
  findAliasesByModelIds,
  findAliasesByVersionIds,
  findModelsByIds,
  findModelsByNames,
  findVersionPagesByModelIds,
  findVersionsByIds,
  findVersionsByModelIdsAndVersion,
  insertModel,
  insertModelVersion,
  upsertAlias,
} from '../../src/registry/model/model.repository.ts';
import type { ModelTable } from '../../src/registry/model/model.table.ts';
import { findUsersByIds } from '../../src/registry/user/user.repository.ts';
import { auditEvents, rowCounts, seedModel, seedVersion } from '../helpers/fixtures.ts';
import { createTestOrg, type TestOrg, testDb } from '../helpers/graphql.ts';

// D1 allows at most 100 bound parameters per statement, so a DataLoader batch of 1,000 keys cannot
// be an `IN (?, ?, ...)` list. Every repository lookup by keys passes them as one JSON parameter
// read with json_each; these tests call each one with 1,000 keys against real D1.

const KEYS = 1000;
const FIRST_PAGE = { after: null, before: null, limit: 3, inverted: false };

interface Graph {
  org: TestOrg;
  modelIds: string[];
  modelNames: string[];
  versionIds: string[];
  datasetId: string;
  edgeIds: string[];
}

/** 1,000 models, each with one version trained on one shared dataset and aliased "production". */
async function givenThousandModels(): Promise<Graph> {
  const org = await createTestOrg('keys');
  const db = testDb();
  const now = nowIso();
  const datasetId = newId();
  const graph: Graph = {
    org,
    modelIds: [],
    modelNames: [],
    versionIds: [],
    datasetId,
    edgeIds: [],
  };
  const queries: BatchQuery[] = [
    insertDataset(db, {
      id: datasetId,
      org_id: org.orgId,
      name: 'shared',
      description: null,
      uri: null,
      format: null,
      metadata: null,
      created_at: now,
      created_by: null,
      updated_at: now,
    }),
  ];
  for (let index = 0; index < KEYS; index += 1) {
    const modelId = newId();
    const versionId = newId();
    const edgeId = newId();
    const name = `model-${String(index).padStart(4, '0')}`;
    graph.modelIds.push(modelId);
    graph.modelNames.push(name);
    graph.versionIds.push(versionId);
    graph.edgeIds.push(edgeId);
    queries.push(
      insertModel(db, {
        id: modelId,
        org_id: org.orgId,
        name,
        description: null,
        tags: '[]',
        metadata: null,
        provider: null,
        framework: null,
        model_type: null,
        status: 'ACTIVE',
        created_at: now,
        created_by: null,
        updated_at: now,
      }),
      insertModelVersion(db, {
        id: versionId,
        org_id: org.orgId,
        model_id: modelId,
        version: '1.0.0',
        description: null,
        metadata: null,
        created_at: now,
        created_by: null,
        updated_at: now,
        status: 'ACTIVE',
      }),
      upsertAlias(
        db,
        {
          model_id: modelId,
          name: 'production',
          version_id: versionId,
          org_id: org.orgId,
          updated_at: now,
          updated_by: null,
        },
        null,
      ),
      insertEdge(db, {
        id: edgeId,
        org_id: org.orgId,
        type: 'TRAINED_ON',
        src_id: versionId,
        src_kind: 'ModelVersion',
        dst_id: datasetId,
        dst_kind: 'Dataset',
        properties: null,
        created_at: now,
        created_by: null,
        removed_at: null,
        removed_by: null,
      }),
    );
  }
  for (let start = 0; start < queries.length; start += 500) {
    await runBatch(env.DB, queries.slice(start, start + 500));
  }
  return graph;
}

/** A Kysely db whose statements are counted, to show that each lookup is one statement. */
function countedDb() {
  const counter: StatementCounter = { statements: 0, roundTrips: 0 };
  return { db: createDb(countingD1(env.DB, counter)), counter };
}

describe('key lists larger than D1’s 100 bound parameters', () => {
  // Built once for this block: 4,000 rows take a moment, and every test here only reads them.
  let graph: Graph;

  beforeAll(async () => {
    graph = await givenThousandModels();
  });

  it('are what D1 refuses as an IN list of placeholders', async () => {
    // given 101 placeholders in one statement
    const ids = graph.modelIds.slice(0, 101);
    const placeholders = ids.map(() => '?').join(', ');

    // when / then
    await expect(
      env.DB.prepare(`SELECT id FROM model WHERE id IN (${placeholders})`)
        .bind(...ids)
        .all(),
    ).rejects.toThrow(/too many SQL variables/);
  });

  it('findModelsByIds and findModelsByNames take 1,000 keys in one statement', async () => {
    // given
    const { db, counter } = countedDb();

    // when
    const byId = await findModelsByIds(db, graph.org.orgId, graph.modelIds);
    const byName = await findModelsByNames(db, graph.org.orgId, graph.modelNames);

    // then
    expect(byId.map((row) => row.id).sort()).toEqual([...graph.modelIds].sort());
    expect(byName.map((row) => row.name).sort()).toEqual(graph.modelNames);
    expect(counter.statements).toBe(2);
  });

  it('findVersionsByIds, findVersionPagesByModelIds and findVersionsByModelIdsAndVersion take 1,000 keys', async () => {
    // given
    const { db, counter } = countedDb();

    // when
    const byId = await findVersionsByIds(db, graph.org.orgId, graph.versionIds);
    const pages = await findVersionPagesByModelIds(db, graph.org.orgId, graph.modelIds, FIRST_PAGE);
    const byString = await findVersionsByModelIdsAndVersion(
      db,
      graph.org.orgId,
      graph.modelIds,
      '1.0.0',
    );

    // then
    expect(byId).toHaveLength(KEYS);
    expect(new Set(pages.map((row) => row.model_id)).size).toBe(KEYS);
    expect(byString.map((row) => row.id).sort()).toEqual([...graph.versionIds].sort());
    expect(counter.statements).toBe(3);
  });

  it('findAliasesByVersionIds and findAliasesByModelIds take 1,000 keys', async () => {
    // given
    const { db } = countedDb();

    // when
    const byVersion = await findAliasesByVersionIds(db, graph.org.orgId, graph.versionIds);
    const byModel = await findAliasesByModelIds(db, graph.org.orgId, graph.modelIds, 'production');

    // then
    expect(byVersion).toHaveLength(KEYS);
    expect(byModel).toHaveLength(KEYS);
  });

  it('findEdgesByEndpoint, findEdgePages and findEdgePagesByModelIds take 1,000 keys', async () => {
    // given
    const { db, counter } = countedDb();

    // when
    const bySource = await findEdgesByEndpoint(
      db,
      graph.org.orgId,
      'src',
      ['TRAINED_ON', 'EVALUATED_ON'],
      graph.versionIds,
    );
    const pages = await findEdgePages(
      db,
      graph.org.orgId,
      { endpoint: 'src', types: ['TRAINED_ON'], ids: graph.versionIds },
      FIRST_PAGE,
    );
    const byModel = await findEdgePagesByModelIds(
      db,
      graph.org.orgId,
      { types: ['TRAINED_ON'], modelIds: graph.modelIds },
      FIRST_PAGE,
    );
    const byId = await findEdgesByIds(db, graph.org.orgId, graph.edgeIds);

    // then
    expect(bySource.map((row) => row.src_id).sort()).toEqual([...graph.versionIds].sort());
    expect(pages).toHaveLength(KEYS);
    expect(byModel.map((row) => row.group_id).sort()).toEqual([...graph.modelIds].sort());
    expect(byId).toHaveLength(KEYS);
    expect(counter.statements).toBe(4);
  });

  it('pages one dataset’s 1,000 incoming edges in order, with one extra row to tell more follow', async () => {
    // given
    const { db } = countedDb();

    // when
    const rows = await findEdgePages(
      db,
      graph.org.orgId,
      { endpoint: 'dst', types: ['TRAINED_ON'], ids: [graph.datasetId] },
      { after: graph.edgeIds[9] ?? null, before: null, limit: 101, inverted: false },
    );

    // then
    expect(rows.map((row) => row.id)).toEqual(graph.edgeIds.slice(10, 111));
  });

  it('findExistingNodeIds takes 1,000 keys and ignores unknown ones', async () => {
    // given
    const { db } = countedDb();
    const unknown = Array.from({ length: 200 }, () => newId());

    // when
    const found = await findExistingNodeIds(db, graph.org.orgId, 'ModelVersion', [
      ...graph.versionIds,
      ...unknown,
    ]);

    // then
    expect(found).toEqual(new Set(graph.versionIds));
  });

  it('keeps 1,000-key lookups inside the caller’s organization', async () => {
    // given another organization asking for the same keys
    const other = await createTestOrg('other');
    const { db } = countedDb();

    // when
    const models = await findModelsByIds(db, other.orgId, graph.modelIds);
    const versions = await findVersionsByIds(db, other.orgId, graph.versionIds);
    const edges = await findEdgesByEndpoint(
      db,
      other.orgId,
      'src',
      ['TRAINED_ON'],
      graph.versionIds,
    );
    const datasets = await findDatasetsByIds(db, other.orgId, [graph.datasetId]);
    const users = await findUsersByIds(db, other.orgId, Object.values(graph.org.userIds));

    // then
    expect({ models, versions, edges, datasets, users }).toEqual({
      models: [],
      versions: [],
      edges: [],
      datasets: [],
      users: [],
    });
  });
});

// STYLE habit 6: invariants live in SQL constraints first. These tests write around the services,
// straight into D1, and check that the database itself refuses what the services also refuse.

function modelRow(org: TestOrg, name: string, overrides: Partial<ModelTable> = {}): ModelTable {
  const now = nowIso();
  return {
    id: newId(),
    org_id: org.orgId,
    name,
    description: null,
    tags: '[]',
    metadata: null,
    provider: null,
    framework: null,
    model_type: null,
    status: 'ACTIVE',
    created_at: now,
    created_by: null,
    updated_at: now,
    ...overrides,
  };
}

function edge(org: TestOrg, overrides: Partial<EdgeTable>): EdgeTable {
  return {
    id: newId(),
    org_id: org.orgId,
    type: 'DERIVED_FROM',
    src_id: newId(),
    src_kind: 'ModelVersion',
    dst_id: newId(),
    dst_kind: 'ModelVersion',
    properties: null,
    created_at: nowIso(),
    created_by: null,
    removed_at: null,
    removed_by: null,
    ...overrides,
  };
}

function insertEdgeRow(row: EdgeTable) {
  return testDb().insertInto('edge').values(row).execute();
}

describe('model constraints', () => {
  it('keeps a model name unique within an organization but not across organizations', async () => {
    // given
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    await insertModel(testDb(), modelRow(org, 'shared-name')).execute();

    // when / then
    await expect(insertModel(testDb(), modelRow(org, 'shared-name')).execute()).rejects.toThrow(
      /UNIQUE constraint failed: model.org_id, model.name/,
    );
    await expect(
      insertModel(testDb(), modelRow(other, 'shared-name')).execute(),
    ).resolves.toBeDefined();
  });

  it.each([
    ['tags that are not a JSON array', { tags: '{"a":1}' }],
    ['metadata that is not JSON', { metadata: '{oops' }],
    ['an unknown status', { status: 'RETIRED' }],
    ['an empty name', { name: '' }],
  ])('refuses %s', async (_, overrides) => {
    // given
    const org = await createTestOrg();

    // when / then
    await expect(
      insertModel(testDb(), modelRow(org, 'checked', overrides)).execute(),
    ).rejects.toThrow(/constraint failed/);
  });

  it('keeps a version string unique within its model', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'versioned');
    const version = await seedVersion(org, model.id, '1.0.0');

    // when / then
    await expect(
      testDb()
        .insertInto('model_version')
        .values({
          id: newId(),
          org_id: org.orgId,
          model_id: model.id,
          version: version.version,
          description: null,
          metadata: null,
          created_at: nowIso(),
          created_by: null,
          updated_at: nowIso(),
          status: 'ACTIVE',
        })
        .execute(),
    ).rejects.toThrow(/UNIQUE constraint failed: model_version.model_id, model_version.version/);
  });

  it('refuses an alias that points at a version of another model', async () => {
    // given
    const org = await createTestOrg();
    const a = await seedModel(org, 'a');
    const b = await seedModel(org, 'b');
    const versionOfB = await seedVersion(org, b.id, '1.0.0');
    const alias = {
      model_id: a.id,
      name: 'champion',
      version_id: versionOfB.id,
      org_id: org.orgId,
      updated_at: nowIso(),
      updated_by: null,
    };

    // when / then
    await expect(upsertAlias(testDb(), alias, null).execute()).rejects.toThrow(
      /FOREIGN KEY constraint failed/,
    );
  });

  it('keeps one version per alias per model', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'aliased');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0');
    const alias = (versionId: string) => ({
      model_id: model.id,
      name: 'champion',
      version_id: versionId,
      org_id: org.orgId,
      updated_at: nowIso(),
      updated_by: null,
    });
    await upsertAlias(testDb(), alias(v1.id), null).execute();

    // when the alias is written again without the move's expected "before"
    await upsertAlias(testDb(), alias(v2.id), null).execute();
    // and then with it
    await upsertAlias(testDb(), alias(v2.id), v1.id).execute();

    // then
    const rows = await testDb()
      .selectFrom('model_alias')
      .select(['name', 'version_id'])
      .where('model_id', '=', model.id)
      .execute();
    expect(rows).toEqual([{ name: 'champion', version_id: v2.id }]);
  });
});

describe('edge constraints', () => {
  it('refuses an edge from a node to itself', async () => {
    // given
    const org = await createTestOrg();
    const id = newId();

    // when / then
    await expect(insertEdgeRow(edge(org, { src_id: id, dst_id: id }))).rejects.toThrow(
      /CHECK constraint failed/,
    );
  });

  it('keeps at most one live edge of a type between two nodes, but any number of ended ones', async () => {
    // given
    const org = await createTestOrg();
    const ends = { src_id: newId(), dst_id: newId() };
    // (fixed instants: removed_at must not precede created_at, and two nowIso() calls can)
    const ended = {
      created_at: '2026-01-01T00:00:00.000Z',
      removed_at: '2026-01-02T00:00:00.000Z',
    };
    await insertEdgeRow(edge(org, { ...ends, ...ended }));
    await insertEdgeRow(edge(org, ends));

    // when / then
    await expect(insertEdgeRow(edge(org, ends))).rejects.toThrow(/UNIQUE constraint failed/);
    await expect(insertEdgeRow(edge(org, { ...ends, ...ended }))).resolves.toBeDefined();
    await expect(insertEdgeRow(edge(org, { ...ends, type: 'REPLACED_BY' }))).resolves.toBeDefined();
  });

  it('lets a node be replaced by one successor at a time', async () => {
    // given
    const org = await createTestOrg();
    const replaced = newId();
    await insertEdgeRow(edge(org, { type: 'REPLACED_BY', src_id: replaced }));

    // when / then
    await expect(
      insertEdgeRow(edge(org, { type: 'REPLACED_BY', src_id: replaced })),
    ).rejects.toThrow(/UNIQUE constraint failed: edge.src_id/);
  });

  it.each([
    ['an unknown edge type', { type: 'LIKES' }],
    ['an unknown node kind', { src_kind: 'Organization' }],
    [
      'an end before the start',
      { created_at: '2026-02-01T00:00:00.000Z', removed_at: '2026-01-01T00:00:00.000Z' },
    ],
    ['properties that are not JSON', { properties: 'split=train' }],
  ])('refuses %s', async (_, overrides) => {
    // given
    const org = await createTestOrg();

    // when / then
    await expect(insertEdgeRow(edge(org, overrides))).rejects.toThrow(/constraint failed/);
  });
});

describe('audit_event', () => {
  it('is append-only: rows can be neither changed nor deleted', async () => {
    // given
    const org = await createTestOrg();
    await runBatch(env.DB, [
      insertAuditEvent(testDb(), {
        orgId: org.orgId,
        actorId: org.userIds.ADMIN,
        action: 'test.event',
        subjectId: org.orgId,
        subjectKind: 'Organization',
        after: { proof: true },
      }),
    ]);
    const [event] = await auditEvents(org.orgId, { action: 'test.event' });
    const before = await rowCounts(org.orgId);

    // when / then
    await expect(
      testDb()
        .updateTable('audit_event')
        .set({ reason: 'rewritten' })
        .where('id', '=', event?.id ?? '')
        .execute(),
    ).rejects.toThrow(/append-only/);
    await expect(
      testDb()
        .deleteFrom('audit_event')
        .where('id', '=', event?.id ?? '')
        .execute(),
    ).rejects.toThrow(/append-only/);
    expect(await rowCounts(org.orgId)).toEqual(before);
    expect(await auditEvents(org.orgId, { action: 'test.event' })).toEqual([event]);
  });
});
