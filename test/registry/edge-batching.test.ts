// Issue 8 (D1 statement budget): the edges of deploymentCreate and modelVersionCreate are written
// with one statement whatever their number, their audit rows likewise, and the lists are capped.
// Each test asserts the statement count stays the same as the list grows, and the database state:
// what a successful request wrote, and that a refused one wrote nothing.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MAX_DEPLOYMENT_VERSIONS } from '../../src/registry/deployment/deployment.service.ts';
import { LineageCycleError } from '../../src/registry/errors.ts';
import { nowIso } from '../../src/registry/ids.ts';
import { CYCLE_GUARD_FAILURE, insertEdges } from '../../src/registry/lineage/lineage.repository.ts';
import { edgeRow, writeEdges } from '../../src/registry/lineage/lineage.service.ts';
import { MAX_LINKS_PER_VERSION } from '../../src/registry/model/model.service.ts';
import {
  expectNothingWritten,
  globalId,
  rowCounts,
  seedDataset,
  seedModel,
  seedVersion,
  serviceDeps,
  unknownId,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg, testDb } from '../helpers/graphql.ts';

const DeploymentCreate = /* GraphQL */ `
  mutation($input: DeploymentCreateInput!) {
    deploymentCreate(input: $input) {
      __typename
      ... on DeploymentCreatePayload { deployment { id } }
      ... on Error { message path }
    }
  }
`;

const VersionCreate = /* GraphQL */ `
  mutation($input: ModelVersionCreateInput!) {
    modelVersionCreate(input: $input) {
      __typename
      ... on ModelVersionCreatePayload { modelVersion { id } }
      ... on Error { message path }
    }
  }
`;

async function versions(org: TestOrg, count: number, name = 'served'): Promise<string[]> {
  const model = await seedModel(org, `${name}-${count}`);
  const ids: string[] = [];
  for (let start = 0; start < count; start += 25) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(25, count - start) }, (_, offset) =>
        seedVersion(org, model.id, `1.0.${start + offset}`),
      ),
    );
    ids.push(...batch.map((version) => version.id));
  }
  return ids;
}

async function liveEdges(orgId: string, type: string, where: { src?: string; dst?: string }) {
  let query = testDb()
    .selectFrom('edge')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('type', '=', type)
    .where('removed_at', 'is', null);
  if (where.src) query = query.where('src_id', '=', where.src);
  if (where.dst) query = query.where('dst_id', '=', where.dst);
  return query.orderBy('id').execute();
}

describe('deploymentCreate: DEPLOYED_TO edges in one statement', () => {
  it('costs the same statements for 5 and 50 versions and writes every edge with its properties', async () => {
    const org = await createTestOrg('deploy-bulk');
    const served = await versions(org, 50);
    // The token's first request also records its use: make it before measuring.
    await gql(org.tokens.EDITOR, '{ viewer { id } }');
    const counts: number[] = [];
    for (const size of [5, 50]) {
      const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
        input: {
          name: `prod-${size}`,
          environment: 'production',
          modelVersions: served.slice(0, size).map((id, index) => ({
            versionId: globalId('ModelVersion', id),
            properties: { traffic: index },
          })),
        },
      });
      const payload = result.data?.deploymentCreate;
      expect(payload?.__typename, JSON.stringify(result)).toBe('DeploymentCreatePayload');
      counts.push(result.statements);
      const deploymentId = atob(payload.deployment.id).split(':')[1] as string;
      const edges = await liveEdges(org.orgId, 'DEPLOYED_TO', { dst: deploymentId });
      expect(edges).toHaveLength(size);
      const bySource = new Map(edges.map((edge) => [edge.src_id, edge]));
      served.slice(0, size).forEach((id, index) => {
        const edge = bySource.get(id);
        expect(edge).toMatchObject({
          src_kind: 'ModelVersion',
          dst_kind: 'Deployment',
          created_by: org.userIds.EDITOR,
        });
        expect(JSON.parse(edge?.properties ?? 'null')).toEqual({ traffic: index });
      });
      const audits = await testDb()
        .selectFrom('audit_event')
        .selectAll()
        .where('org_id', '=', org.orgId)
        .where('subject_id', '=', deploymentId)
        .execute();
      expect(audits.map((audit) => audit.action)).toEqual(['deployment.create']);
      expect(JSON.parse(audits[0]?.after ?? '{}').modelVersions).toEqual(served.slice(0, size));
    }
    expect(counts[1]).toBe(counts[0]);
    expect(counts[1]).toBeLessThanOrEqual(10);
  }, 60_000);

  it(`refuses more than ${MAX_DEPLOYMENT_VERSIONS} versions on the field path and writes nothing`, async () => {
    const org = await createTestOrg('deploy-cap');
    const served = await versions(org, 3);
    const before = await rowCounts(org.orgId);
    const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
      input: {
        name: 'too-many',
        environment: 'production',
        modelVersions: Array.from({ length: MAX_DEPLOYMENT_VERSIONS + 1 }, (_, index) => ({
          versionId: globalId('ModelVersion', served[index % 3] as string),
        })),
      },
    });
    expect(result.data?.deploymentCreate).toEqual({
      __typename: 'ValidationError',
      message: `At most ${MAX_DEPLOYMENT_VERSIONS} versions`,
      path: ['input', 'modelVersions'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('accepts exactly the maximum', async () => {
    const org = await createTestOrg('deploy-max');
    const served = await versions(org, MAX_DEPLOYMENT_VERSIONS);
    const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
      input: {
        name: 'max',
        environment: 'production',
        modelVersions: served.map((id) => ({ versionId: globalId('ModelVersion', id) })),
      },
    });
    expect(result.data?.deploymentCreate.__typename, JSON.stringify(result)).toBe(
      'DeploymentCreatePayload',
    );
    expect(result.statements).toBeLessThanOrEqual(10);
    expect((await rowCounts(org.orgId)).edge).toBe(MAX_DEPLOYMENT_VERSIONS);
  }, 60_000);

  it('names the missing version by its index and writes nothing', async () => {
    const org = await createTestOrg('deploy-missing');
    const served = await versions(org, 4);
    const before = await rowCounts(org.orgId);
    const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
      input: {
        name: 'missing',
        environment: 'production',
        modelVersions: [
          ...served.map((id) => ({ versionId: globalId('ModelVersion', id) })),
          { versionId: unknownId('ModelVersion') },
        ],
      },
    });
    expect(result.data?.deploymentCreate).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'modelVersions', '4', 'versionId'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('modelVersionCreate: lineage edges in one statement', () => {
  it('costs the same statements for 2 and 20 parents (plus datasets) and writes every edge', async () => {
    const org = await createTestOrg('version-bulk');
    const parents = await versions(org, 20, 'parents');
    const datasets = await Promise.all(['a', 'b', 'c'].map((name) => seedDataset(org, name)));
    const model = await seedModel(org, 'child');
    await gql(org.tokens.EDITOR, '{ viewer { id } }');
    const counts: number[] = [];
    for (const size of [2, 20]) {
      const result = await gql(org.tokens.EDITOR, VersionCreate, {
        input: {
          modelId: globalId('Model', model.id),
          version: `${size}.0.0`,
          derivedFrom: parents.slice(0, size).map((id) => globalId('ModelVersion', id)),
          trainedOn: datasets.map((dataset, index) => ({
            datasetId: globalId('Dataset', dataset.id),
            properties: { split: index },
          })),
          evaluatedOn: [{ datasetId: globalId('Dataset', (datasets[0] as { id: string }).id) }],
        },
      });
      const payload = result.data?.modelVersionCreate;
      expect(payload?.__typename, JSON.stringify(result)).toBe('ModelVersionCreatePayload');
      counts.push(result.statements);
      const id = atob(payload.modelVersion.id).split(':')[1] as string;
      const derived = await liveEdges(org.orgId, 'DERIVED_FROM', { src: id });
      expect(derived.map((edge) => edge.dst_id).sort()).toEqual(parents.slice(0, size).sort());
      const trained = await liveEdges(org.orgId, 'TRAINED_ON', { src: id });
      expect(
        trained.map((edge) => [edge.dst_id, JSON.parse(edge.properties ?? 'null')]).sort(),
      ).toEqual(datasets.map((dataset, index) => [dataset.id, { split: index }]).sort());
      expect(await liveEdges(org.orgId, 'EVALUATED_ON', { src: id })).toHaveLength(1);
      // The TRAINED_ON trigger still fires once per edge: the card is three generations ahead.
      const embedding = await env.DB.prepare(
        'SELECT card_generation FROM model_version_embedding WHERE version_id = ?',
      )
        .bind(id)
        .first<{ card_generation: number }>();
      expect(embedding?.card_generation).toBe(1 + datasets.length);
    }
    expect(counts[1]).toBe(counts[0]);
    expect(counts[1]).toBeLessThanOrEqual(12);
  }, 60_000);

  it(`refuses more than ${MAX_LINKS_PER_VERSION} parents on the field path and writes nothing`, async () => {
    const org = await createTestOrg('version-cap');
    const model = await seedModel(org, 'capped');
    const parent = await seedVersion(org, model.id, '1.0.0');
    const before = await rowCounts(org.orgId);
    const result = await gql(org.tokens.EDITOR, VersionCreate, {
      input: {
        modelId: globalId('Model', model.id),
        version: '2.0.0',
        derivedFrom: Array.from({ length: MAX_LINKS_PER_VERSION + 1 }, () =>
          globalId('ModelVersion', parent.id),
        ),
      },
    });
    expect(result.data?.modelVersionCreate).toEqual({
      __typename: 'ValidationError',
      message: `At most ${MAX_LINKS_PER_VERSION} entries`,
      path: ['input', 'derivedFrom'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses a duplicate parent on its index and writes nothing', async () => {
    const org = await createTestOrg('version-dup');
    const parents = await versions(org, 3, 'dup');
    const model = await seedModel(org, 'dup-child');
    const before = await rowCounts(org.orgId);
    const result = await gql(org.tokens.EDITOR, VersionCreate, {
      input: {
        modelId: globalId('Model', model.id),
        version: '1.0.0',
        derivedFrom: [...parents, parents[1]].map((id) => globalId('ModelVersion', id as string)),
      },
    });
    expect(result.data?.modelVersionCreate).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'derivedFrom', '3'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('insertEdges keeps the per-row invariants', () => {
  it('refuses, inside the statement, a group of edges from one node that would close a cycle', async () => {
    // given: b derives from a; now a would derive from c and from b (b -> a already exists)
    const org = await createTestOrg('bulk-cycle');
    const model = await seedModel(org, 'cyc');
    const a = await seedVersion(org, model.id, '1.0.0');
    const b = await seedVersion(org, model.id, '1.1.0', { derivedFrom: [a.id] });
    const c = await seedVersion(org, model.id, '1.2.0');
    const viewer = viewerOf(org);
    const rows = [c.id, b.id].map((dst) =>
      edgeRow(
        viewer,
        {
          type: 'DERIVED_FROM',
          from: { kind: 'ModelVersion', id: a.id },
          to: { kind: 'ModelVersion', id: dst },
        },
        null,
      ),
    );
    const before = await rowCounts(org.orgId);

    // when: the statement alone (a concurrent writer that slipped past the check)
    const statement = insertEdges(testDb(), rows);
    await expect(
      env.DB.prepare(statement.sql)
        .bind(...(statement.parameters as unknown[]))
        .run(),
    ).rejects.toThrow(CYCLE_GUARD_FAILURE);
    await expectNothingWritten(org.orgId, before);

    // and through writeEdges: the error names the edge's cycle
    const error = await writeEdges(serviceDeps(), rows, [], {
      type: ['input'],
      from: ['input'],
      to: ['input', 'derivedFrom'],
      properties: ['input'],
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LineageCycleError);
    expect((error as LineageCycleError).cycle).toEqual([b.id, a.id]);
    expect((error as LineageCycleError).path).toEqual(['input', 'derivedFrom']);
    await expectNothingWritten(org.orgId, before);
  });

  it('fails on an edge that already exists (live-edge unique index) and writes nothing', async () => {
    const org = await createTestOrg('bulk-unique');
    const model = await seedModel(org, 'uniq');
    const dataset = await seedDataset(org, 'd');
    const other = await seedDataset(org, 'e');
    const version = await seedVersion(org, model.id, '1.0.0', {
      trainedOn: [{ datasetId: dataset.id }],
    });
    const viewer = viewerOf(org);
    const rows = [other.id, dataset.id].map((dst) =>
      edgeRow(
        viewer,
        {
          type: 'TRAINED_ON',
          from: { kind: 'ModelVersion', id: version.id },
          to: { kind: 'Dataset', id: dst },
        },
        null,
        nowIso(),
      ),
    );
    const before = await rowCounts(org.orgId);
    const error = await writeEdges(serviceDeps(), rows, [], {
      type: ['input'],
      from: ['input'],
      to: ['input', 'trainedOn'],
      properties: ['input'],
    }).catch((caught: unknown) => caught);
    expect(String(error)).toMatch(/already exists/);
    await expectNothingWritten(org.orgId, before);
  });
});
