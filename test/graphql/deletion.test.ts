// modelVersionDelete, modelDelete and datasetDelete: refused while something live holds them (with
// nothing written), and otherwise the node is gone (node(id:) null, out of lists, name free), its
// lineage edges ended, its artifacts out of R2, and the audit trail kept.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { requestApproval } from '../../src/registry/governance/approval.service.ts';
import { promoteModelVersion } from '../../src/registry/governance/promotion.service.ts';
import { setModelAlias } from '../../src/registry/model/model.service.ts';
import { setModelVersionArchived } from '../../src/registry/model/model-version-lifecycle.service.ts';
import { uploadFile } from '../artifacts/artifact-client.ts';
import { allowPromotionWithoutApproval } from '../governance/governance-fixtures.ts';
import {
  auditEvents,
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  seedDataset,
  seedDeployment,
  seedModel,
  seedVersion,
  serviceDeps,
  unknownId,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg, testDb } from '../helpers/graphql.ts';

function result(payload: string) {
  return `
  __typename
  ... on ${payload} { deletedId name endedEdgeCount deletedVersionCount removedArtifactCount }
  ... on Error { message }
  ... on ConflictError { path }
  ... on NotFoundError { path }
`;
}
const VersionDelete = `mutation ($input: ModelVersionDeleteInput!) { modelVersionDelete(input: $input) { ${result('ModelVersionDeletePayload')} } }`;
const ModelDelete = `mutation ($input: ModelDeleteInput!) { modelDelete(input: $input) { ${result('ModelDeletePayload')} } }`;
const DatasetDelete = `mutation ($input: DatasetDeleteInput!) { datasetDelete(input: $input) { ${result('DatasetDeletePayload')} } }`;
const NodeQuery = /* GraphQL */ `query ($id: ID!) { node(id: $id) { id } }`;
const Versions = /* GraphQL */ `
  query ($id: ID!) { node(id: $id) { ... on Model { versions(includeArchived: true) { edges { node { version } } } } } }
`;

async function nodeOf(org: TestOrg, id: string) {
  return fieldOf(await gql(org.tokens.VIEWER, NodeQuery, { id }), 'node');
}

/** A model with v1 (trained on a dataset, with an artifact and a "champion" alias) and v2. */
async function givenModel(org: TestOrg, name = 'triage') {
  const dataset = await seedDataset(org, `${name}-data`);
  const model = await seedModel(org, name);
  const v1 = await seedVersion(org, model.id, '1.0.0', {
    trainedOn: [{ datasetId: dataset.id }],
  });
  const v2 = await seedVersion(org, model.id, '2.0.0');
  await setModelAlias(serviceDeps(), viewerOf(org), { versionId: v1.id, alias: 'champion' });
  const artifact = await uploadFile(
    org.tokens.EDITOR,
    globalId('ModelVersion', v1.id),
    'weights.bin',
    new Uint8Array([1, 2, 3]),
  );
  const { r2_key } = await testDb()
    .selectFrom('artifact')
    .select('r2_key')
    .where('id', '=', artifact.rowId)
    .executeTakeFirstOrThrow();
  return { dataset, model, v1, v2, r2Key: r2_key };
}

describe('modelVersionDelete', () => {
  it('deletes a version: node gone, edges ended, alias and artifact removed, string free, audited', async () => {
    const org = await createTestOrg();
    const { dataset, model, v1, r2Key } = await givenModel(org);
    expect(await env.ARTIFACTS.head(r2Key)).not.toBeNull();
    const versionId = globalId('ModelVersion', v1.id);

    const result = fieldOf(
      await gql(org.tokens.EDITOR, VersionDelete, { input: { versionId, reason: 'leaked data' } }),
      'modelVersionDelete',
    );

    expect(result).toMatchObject({
      __typename: 'ModelVersionDeletePayload',
      deletedId: versionId,
      name: 'triage@1.0.0',
      endedEdgeCount: 1,
      deletedVersionCount: 1,
      removedArtifactCount: 1,
    });
    expect(await nodeOf(org, versionId)).toBeNull();
    const versions = fieldOf(
      await gql(org.tokens.VIEWER, Versions, { id: globalId('Model', model.id) }),
      'node',
    );
    expect(
      versions.versions.edges.map((e: { node: { version: string } }) => e.node.version),
    ).toEqual(['2.0.0']);
    const edge = await testDb()
      .selectFrom('edge')
      .selectAll()
      .where('src_id', '=', v1.id)
      .where('dst_id', '=', dataset.id)
      .executeTakeFirstOrThrow();
    expect(edge.removed_at).not.toBeNull();
    const aliases = await testDb()
      .selectFrom('model_alias')
      .selectAll()
      .where('version_id', '=', v1.id)
      .execute();
    expect(aliases).toEqual([]);
    expect(await env.ARTIFACTS.head(r2Key)).toBeNull();
    const [audit] = await auditEvents(org.orgId, { action: 'modelVersion.delete' });
    expect(audit).toMatchObject({ subject_id: v1.id, reason: 'leaked data' });
    expect(audit?.before).toMatchObject({
      version: '1.0.0',
      aliases: ['champion'],
    });
    // The version string is free again.
    await expect(seedVersion(org, model.id, '1.0.0')).resolves.toMatchObject({ version: '1.0.0' });
  });

  it('refuses a version in production or deployed, naming the holder, and writes nothing', async () => {
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const { model, v1, v2, r2Key } = await givenModel(org);
    await promoteModelVersion(serviceDeps(), viewerOf(org), { versionId: v1.id });
    await seedDeployment(org, 'triage-canary', [{ versionId: v2.id }]);
    const before = await rowCounts(org.orgId);
    for (const [version, holder] of [
      [v1, 'in production'],
      [v2, 'triage-canary'],
    ] as const) {
      const result = fieldOf(
        await gql(org.tokens.EDITOR, VersionDelete, {
          input: { versionId: globalId('ModelVersion', version.id) },
        }),
        'modelVersionDelete',
      );
      expect(result.__typename).toBe('ConflictError');
      expect(result.message).toContain(holder);
      expect(result.path).toEqual(['input', 'versionId']);
    }
    await expectNothingWritten(org.orgId, before);
    expect(await env.ARTIFACTS.head(r2Key)).not.toBeNull();
    expect(await nodeOf(org, globalId('Model', model.id))).not.toBeNull();
  });

  it('answers an unknown, deleted or other organization’s version with NotFoundError', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const theirs = await seedVersion(other, (await seedModel(other, 'theirs')).id, '1.0.0');
    const mine = await seedVersion(org, (await seedModel(org, 'mine')).id, '1.0.0');
    await gql(org.tokens.EDITOR, VersionDelete, {
      input: { versionId: globalId('ModelVersion', mine.id) },
    });
    for (const versionId of [
      unknownId('ModelVersion'),
      globalId('ModelVersion', theirs.id),
      globalId('ModelVersion', mine.id),
    ]) {
      const result = fieldOf(
        await gql(org.tokens.EDITOR, VersionDelete, { input: { versionId } }),
        'modelVersionDelete',
      );
      expect(result).toMatchObject({ __typename: 'NotFoundError', path: ['input', 'versionId'] });
    }
  });
});

describe('what points at a deleted version', () => {
  it('still resolves it, with its old name and deletedAt: a pending approval, a past lineage walk', async () => {
    const org = await createTestOrg();
    const { dataset, v1 } = await givenModel(org);
    const versionId = globalId('ModelVersion', v1.id);
    await requestApproval(serviceDeps(), viewerOf(org), { versionId: v1.id, checks: ['SECURITY'] });
    const beforeDelete = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await gql(org.tokens.EDITOR, VersionDelete, { input: { versionId } });

    const pending = await gql(
      org.tokens.VIEWER,
      `{ pendingApprovals { edges { node { modelVersion { id version deletedAt } } } } }`,
    );
    expect(pending.errors).toBeUndefined();
    const [approval] = fieldOf(pending, 'pendingApprovals').edges;
    expect(approval.node.modelVersion).toMatchObject({
      id: versionId,
      version: '1.0.0',
      deletedAt: expect.any(String),
    });
    const past = await gql(
      org.tokens.VIEWER,
      `query ($id: ID!, $asOf: DateTime) { node(id: $id) { ... on LineageNode {
        lineage(direction: BOTH, asOf: $asOf) { edges { from { id ... on ModelVersion { version deletedAt } } } }
      } } }`,
      { id: globalId('Dataset', dataset.id), asOf: beforeDelete.toISOString() },
    );
    expect(past.errors).toBeUndefined();
    expect(fieldOf(past, 'node').lineage.edges).toEqual([
      { from: { id: versionId, version: '1.0.0', deletedAt: expect.any(String) } },
    ]);
    const now = await gql(
      org.tokens.VIEWER,
      `query ($id: ID!) { node(id: $id) { ... on LineageNode { lineage(direction: BOTH) { edges { id } } } } }`,
      { id: globalId('Dataset', dataset.id) },
    );
    expect(fieldOf(now, 'node').lineage.edges).toEqual([]);
  });
});

describe('modelDelete', () => {
  it('deletes a model with its versions; the name is free and lists leave it out', async () => {
    const org = await createTestOrg();
    const { model, v1, v2, r2Key } = await givenModel(org);
    const modelId = globalId('Model', model.id);

    const result = fieldOf(
      await gql(org.tokens.EDITOR, ModelDelete, { input: { modelId } }),
      'modelDelete',
    );

    expect(result).toMatchObject({
      __typename: 'ModelDeletePayload',
      deletedId: modelId,
      name: 'triage',
      deletedVersionCount: 2,
      removedArtifactCount: 1,
      endedEdgeCount: 1,
    });
    for (const id of [modelId, globalId('ModelVersion', v1.id), globalId('ModelVersion', v2.id)]) {
      expect(await nodeOf(org, id)).toBeNull();
    }
    const list = await gql(
      org.tokens.VIEWER,
      `{ models(filter: { status: [ACTIVE, DEPRECATED, ARCHIVED] }) { edges { node { name } } } }`,
    );
    expect(fieldOf(list, 'models').edges).toEqual([]);
    expect(
      fieldOf(await gql(org.tokens.VIEWER, `{ model(name: "triage") { id } }`), 'model'),
    ).toBeNull();
    expect(await env.ARTIFACTS.head(r2Key)).toBeNull();
    await expect(seedModel(org, 'triage')).resolves.toMatchObject({ name: 'triage' });
    const [audit] = await auditEvents(org.orgId, { action: 'model.delete' });
    expect(audit?.before).toMatchObject({
      name: 'triage',
      versions: ['1.0.0', '2.0.0'],
    });
  });

  it('refuses a model with a version in production and writes nothing', async () => {
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const { model, v2 } = await givenModel(org);
    await promoteModelVersion(serviceDeps(), viewerOf(org), { versionId: v2.id });
    const before = await rowCounts(org.orgId);
    const result = fieldOf(
      await gql(org.tokens.EDITOR, ModelDelete, {
        input: { modelId: globalId('Model', model.id) },
      }),
      'modelDelete',
    );
    expect(result.__typename).toBe('ConflictError');
    expect(result.message).toContain('2.0.0 is in production');
    await expectNothingWritten(org.orgId, before);
  });

  it('is refused to VIEWER and REVIEWER', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'kept');
    for (const token of [org.tokens.VIEWER, org.tokens.REVIEWER]) {
      const response = await gql(token, ModelDelete, {
        input: { modelId: globalId('Model', model.id) },
      });
      expect(response.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect(await nodeOf(org, globalId('Model', model.id))).not.toBeNull();
  });
});

describe('datasetDelete', () => {
  it('refuses a dataset live versions are trained on, listing them; deletes it once they are archived', async () => {
    const org = await createTestOrg();
    const { dataset, model, v1 } = await givenModel(org);
    const datasetId = globalId('Dataset', dataset.id);
    const before = await rowCounts(org.orgId);
    const refused = fieldOf(
      await gql(org.tokens.EDITOR, DatasetDelete, { input: { datasetId } }),
      'datasetDelete',
    );
    expect(refused.__typename).toBe('ConflictError');
    expect(refused.message).toContain('triage@1.0.0');
    expect(refused.path).toEqual(['input', 'datasetId']);
    await expectNothingWritten(org.orgId, before);

    await setModelVersionArchived(serviceDeps(), viewerOf(org), {
      versionId: v1.id,
      archived: true,
    });
    const deleted = fieldOf(
      await gql(org.tokens.EDITOR, DatasetDelete, { input: { datasetId } }),
      'datasetDelete',
    );
    expect(deleted).toMatchObject({
      __typename: 'DatasetDeletePayload',
      name: 'triage-data',
      endedEdgeCount: 1,
    });
    expect(await nodeOf(org, datasetId)).toBeNull();
    const list = await gql(org.tokens.VIEWER, `{ datasets { edges { node { name } } } }`);
    expect(fieldOf(list, 'datasets').edges).toEqual([]);
    await expect(seedDataset(org, 'triage-data')).resolves.toMatchObject({ name: 'triage-data' });
    expect(await nodeOf(org, globalId('Model', model.id))).not.toBeNull();
  });
});
