// What happens to a model version after creation, through GraphQL: modelVersionUpdate,
// modelVersionArchive and modelVersionRestore; the audit they write, what they refuse
// (metadata.artifact stays as created, held versions stay unarchived) and what archiving hides.
import { describe, expect, it } from 'vitest';
import { setModelArchived } from '../../src/registry/model/model-lifecycle.service.ts';
import { allowPromotionWithoutApproval } from '../governance/governance-fixtures.ts';
import {
  auditEvents,
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  seedDeployment,
  seedModel,
  seedVersion,
  serviceDeps,
  unknownId,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';

const VersionUpdate = /* GraphQL */ `
  mutation VersionUpdate($input: ModelVersionUpdateInput!) {
    modelVersionUpdate(input: $input) {
      __typename
      ... on ModelVersionUpdatePayload {
        version { id version description metadata createdAt updatedAt model { updatedAt } }
      }
      ... on Error { message path }
    }
  }
`;

const ARTIFACT = { uri: 'hf://org/model', sha256: 'a'.repeat(64), sizeBytes: 10 };

async function created(org: TestOrg) {
  const model = await seedModel(org, 'triage');
  const version = await seedVersion(org, model.id, '1.0.0', {
    description: 'first cut',
    metadata: { lr: 0.01, artifact: ARTIFACT, eval: { f1: 0.8, auc: 0.9 } },
  });
  return { model, version, id: globalId('ModelVersion', version.id) };
}

describe('modelVersionUpdate', () => {
  it('describes and merges metadata, keeping the artifact, audited with before and after', async () => {
    const org = await createTestOrg();
    const { model, version, id } = await created(org);
    const result = await gql(org.tokens.EDITOR, VersionUpdate, {
      input: {
        versionId: id,
        description: 'first cut, re-evaluated',
        metadata: { lr: null, eval: { f1: 0.85 }, notes: 'ok' },
        reason: 'new eval',
      },
    });
    const updated = fieldOf(result, 'modelVersionUpdate').version;
    expect(updated).toMatchObject({
      id,
      version: '1.0.0',
      description: 'first cut, re-evaluated',
      metadata: { artifact: ARTIFACT, eval: { f1: 0.85, auc: 0.9 }, notes: 'ok' },
    });
    expect(updated.metadata).not.toHaveProperty('lr');
    expect(new Date(updated.updatedAt).getTime()).toBeGreaterThan(version.createdAt.getTime());
    expect(updated.createdAt).toBe(version.createdAt.toISOString());
    expect(updated.model.updatedAt).toBe(updated.updatedAt);
    expect(new Date(updated.model.updatedAt).getTime()).toBeGreaterThan(model.updatedAt.getTime());
    const [event] = await auditEvents(org.orgId, { action: 'modelVersion.update' });
    expect(event).toMatchObject({
      subject_id: version.id,
      subject_kind: 'ModelVersion',
      reason: 'new eval',
      before: { description: 'first cut', metadata: { lr: 0.01 } },
      after: { description: 'first cut, re-evaluated', metadata: { notes: 'ok' } },
    });
  });

  it('replaces metadata with REPLACE when the artifact stays, and writes nothing when nothing changes', async () => {
    const org = await createTestOrg();
    const { id } = await created(org);
    const replaced = await gql(org.tokens.EDITOR, VersionUpdate, {
      input: { versionId: id, metadata: { artifact: ARTIFACT, v: 2 }, metadataMode: 'REPLACE' },
    });
    expect(fieldOf(replaced, 'modelVersionUpdate').version.metadata).toEqual({
      artifact: ARTIFACT,
      v: 2,
    });
    const before = await rowCounts(org.orgId);
    const same = await gql(org.tokens.EDITOR, VersionUpdate, {
      input: { versionId: id, metadata: { v: 2 }, description: 'first cut' },
    });
    expect(fieldOf(same, 'modelVersionUpdate').__typename).toBe('ModelVersionUpdatePayload');
    await expectNothingWritten(org.orgId, before);
  });

  it('clears description and metadata of a version without an artifact', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'plain');
    const version = await seedVersion(org, model.id, '1.0.0', {
      description: 'x',
      metadata: { a: 1 },
    });
    const result = await gql(org.tokens.EDITOR, VersionUpdate, {
      input: { versionId: globalId('ModelVersion', version.id), metadata: null, description: '' },
    });
    expect(fieldOf(result, 'modelVersionUpdate').version).toMatchObject({
      description: null,
      metadata: null,
    });
  });

  it.each([
    [
      'a merge that changes the artifact',
      { metadata: { artifact: { sha256: 'b'.repeat(64) } } },
      'ValidationError',
      ['input', 'metadata', 'artifact'],
    ],
    [
      'a merge that removes the artifact',
      { metadata: { artifact: null } },
      'ValidationError',
      ['input', 'metadata', 'artifact'],
    ],
    [
      'a replacement without the artifact',
      { metadata: { v: 2 }, metadataMode: 'REPLACE' },
      'ValidationError',
      ['input', 'metadata', 'artifact'],
    ],
    [
      'clearing metadata that holds the artifact',
      { metadata: null },
      'ValidationError',
      ['input', 'metadata', 'artifact'],
    ],
    [
      'metadataMode without metadata',
      { metadataMode: 'REPLACE' },
      'ValidationError',
      ['input', 'metadataMode'],
    ],
    [
      'metadata that is not an object',
      { metadata: [1, 2] },
      'ValidationError',
      ['input', 'metadata'],
    ],
    [
      'a description too long',
      { description: 'x'.repeat(10_001) },
      'ValidationError',
      ['input', 'description'],
    ],
    [
      'a stale expectedUpdatedAt',
      { expectedUpdatedAt: '2020-01-01T00:00:00.000Z', description: 'x' },
      'ConflictError',
      ['input', 'expectedUpdatedAt'],
    ],
    ['an unknown version', { versionId: 'unknown' }, 'NotFoundError', ['input', 'versionId']],
    [
      'another organization’s version',
      { versionId: 'foreign' },
      'NotFoundError',
      ['input', 'versionId'],
    ],
    ['a model id', { versionId: 'model' }, 'NotFoundError', ['input', 'versionId']],
  ])('refuses %s with a typed error, writing nothing', async (_name, patch, typename, path) => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const { model, id } = await created(org);
    const foreignModel = await seedModel(other, 'foreign');
    const ids: Record<string, string> = {
      unknown: unknownId('ModelVersion'),
      foreign: globalId('ModelVersion', (await seedVersion(other, foreignModel.id, '1.0.0')).id),
      model: globalId('Model', model.id),
    };
    const input: Record<string, unknown> = { versionId: id, description: 'edited', ...patch };
    if (typeof input.versionId === 'string' && ids[input.versionId]) {
      input.versionId = ids[input.versionId];
    }
    const before = await rowCounts(org.orgId);
    const result = await gql(org.tokens.EDITOR, VersionUpdate, { input });
    expect(fieldOf(result, 'modelVersionUpdate')).toMatchObject({ __typename: typename, path });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses to edit a version of an archived model', async () => {
    const org = await createTestOrg();
    const { model, id } = await created(org);
    await setModelArchived(serviceDeps(), viewerOf(org, 'EDITOR'), {
      modelId: model.id,
      archived: true,
    });
    const before = await rowCounts(org.orgId);
    const result = await gql(org.tokens.EDITOR, VersionUpdate, {
      input: { versionId: id, description: 'x' },
    });
    expect(fieldOf(result, 'modelVersionUpdate')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'versionId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('accepts the updatedAt it read, then refuses it; of concurrent edits one wins', async () => {
    const org = await createTestOrg();
    const { version, id } = await created(org);
    const read = version.updatedAt.toISOString();
    expect(read).toBe(version.createdAt.toISOString());
    const results = await Promise.all(
      ['a', 'b', 'c'].map((description) =>
        gql(org.tokens.EDITOR, VersionUpdate, {
          input: { versionId: id, description, expectedUpdatedAt: read },
        }),
      ),
    );
    const kinds = results.map((result) => fieldOf(result, 'modelVersionUpdate').__typename).sort();
    expect(kinds).toEqual(['ConflictError', 'ConflictError', 'ModelVersionUpdatePayload']);
    expect(await auditEvents(org.orgId, { action: 'modelVersion.update' })).toHaveLength(1);
    const stale = await gql(org.tokens.EDITOR, VersionUpdate, {
      input: { versionId: id, description: 'd', expectedUpdatedAt: read },
    });
    expect(fieldOf(stale, 'modelVersionUpdate')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'expectedUpdatedAt'],
    });
  });
});

const lifecycle = (field: 'modelVersionArchive' | 'modelVersionRestore') => /* GraphQL */ `
  mutation ($input: ${field === 'modelVersionArchive' ? 'ModelVersionArchiveInput' : 'ModelVersionRestoreInput'}!) {
    ${field}(input: $input) {
      __typename
      ... on ${field === 'modelVersionArchive' ? 'ModelVersionArchivePayload' : 'ModelVersionRestorePayload'} {
        version { id status }
      }
      ... on Error { message path }
    }
  }
`;

const Promote = /* GraphQL */ `
  mutation ($input: ModelVersionPromoteInput!) {
    modelVersionPromote(input: $input) { __typename ... on Error { message path } }
  }
`;

const AliasSet = /* GraphQL */ `
  mutation ($input: ModelAliasSetInput!) {
    modelAliasSet(input: $input) { __typename ... on Error { message path } }
  }
`;

describe('modelVersionArchive and modelVersionRestore', () => {
  it('hides an archived version from lists and search, keeps it readable, refuses edits and aliases', async () => {
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const model = await seedModel(org, 'sentiment', {
      description: 'Classifies the sentiment of customer product reviews.',
    });
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0');
    const v1Id = globalId('ModelVersion', v1.id);
    const v2Id = globalId('ModelVersion', v2.id);
    const modelId = globalId('Model', model.id);
    const lists = () =>
      gql(
        org.tokens.VIEWER,
        `query ($modelId: ID!, $v1: ID!) {
          node(id: $modelId) { ... on Model {
            versions { edges { node { id } } }
            all: versions(includeArchived: true) { edges { node { id status } } }
            version(version: "1.0.0") { id status }
          } }
          v1: node(id: $v1) { ... on ModelVersion { id status } }
          modelsSearch(text: "sentiment of product reviews", topK: 10) { modelVersion { id } }
        }`,
        { modelId, v1: v1Id },
      );
    const shown = await lists();
    expect(
      fieldOf(shown, 'modelsSearch')
        .map((match: { modelVersion: { id: string } }) => match.modelVersion.id)
        .sort(),
    ).toEqual([v1Id, v2Id].sort());

    const archived = await gql(org.tokens.EDITOR, lifecycle('modelVersionArchive'), {
      input: { versionId: v1Id, reason: 'bad eval' },
    });
    expect(fieldOf(archived, 'modelVersionArchive').version).toEqual({
      id: v1Id,
      status: 'ARCHIVED',
    });
    const hidden = await lists();
    const node = fieldOf(hidden, 'node');
    expect(node.versions.edges).toEqual([{ node: { id: v2Id } }]);
    expect(node.all.edges).toEqual([
      { node: { id: v1Id, status: 'ARCHIVED' } },
      { node: { id: v2Id, status: 'ACTIVE' } },
    ]);
    expect(node.version).toEqual({ id: v1Id, status: 'ARCHIVED' });
    expect(fieldOf(hidden, 'v1')).toEqual({ id: v1Id, status: 'ARCHIVED' });
    expect(
      fieldOf(hidden, 'modelsSearch').map(
        (match: { modelVersion: { id: string } }) => match.modelVersion.id,
      ),
    ).toEqual([v2Id]);

    const before = await rowCounts(org.orgId);
    for (const [document, field, input] of [
      [VersionUpdate, 'modelVersionUpdate', { versionId: v1Id, description: 'x' }],
      [Promote, 'modelVersionPromote', { versionId: v1Id }],
      [AliasSet, 'modelAliasSet', { versionId: v1Id, alias: 'champion' }],
      [lifecycle('modelVersionArchive'), 'modelVersionArchive', { versionId: v1Id }],
    ] as const) {
      const refused = await gql(org.tokens.EDITOR, document, { input });
      expect(fieldOf(refused, field), field).toMatchObject({
        __typename: 'ConflictError',
        path: ['input', 'versionId'],
      });
    }
    await expectNothingWritten(org.orgId, before);

    const restored = await gql(org.tokens.EDITOR, lifecycle('modelVersionRestore'), {
      input: { versionId: v1Id },
    });
    expect(fieldOf(restored, 'modelVersionRestore').version).toEqual({
      id: v1Id,
      status: 'ACTIVE',
    });
    const again = await gql(org.tokens.EDITOR, lifecycle('modelVersionRestore'), {
      input: { versionId: v1Id },
    });
    expect(fieldOf(again, 'modelVersionRestore')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'versionId'],
    });
    const promoted = await gql(org.tokens.EDITOR, Promote, { input: { versionId: v1Id } });
    expect(fieldOf(promoted, 'modelVersionPromote').__typename).toBe('ModelVersionPromotePayload');
    const events = await auditEvents(org.orgId, { subjectId: v1.id });
    expect(events.map((event) => [event.action, event.reason])).toEqual([
      ['modelVersion.create', null],
      ['modelVersion.archive', 'bad eval'],
      ['modelVersion.restore', null],
    ]);
  });

  it('refuses to archive a version in production or deployed, naming what holds it', async () => {
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const model = await seedModel(org, 'triage');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0');
    const v1Id = globalId('ModelVersion', v1.id);
    await gql(org.tokens.EDITOR, Promote, { input: { versionId: v1Id } });
    await seedDeployment(org, 'triage-prod', [{ versionId: v1.id }]);
    await seedDeployment(org, 'triage-canary', [{ versionId: v2.id }]);
    const before = await rowCounts(org.orgId);
    const production = await gql(org.tokens.EDITOR, lifecycle('modelVersionArchive'), {
      input: { versionId: v1Id },
    });
    const error = fieldOf(production, 'modelVersionArchive');
    expect(error).toMatchObject({ __typename: 'ConflictError', path: ['input', 'versionId'] });
    expect(error.message).toContain('it is in production');
    expect(error.message).toContain('deployment "triage-prod" serves it');
    const deployed = await gql(org.tokens.EDITOR, lifecycle('modelVersionArchive'), {
      input: { versionId: globalId('ModelVersion', v2.id) },
    });
    const canary = fieldOf(deployed, 'modelVersionArchive');
    expect(canary).toMatchObject({ __typename: 'ConflictError', path: ['input', 'versionId'] });
    expect(canary.message).toContain('deployment "triage-canary" serves it');
    expect(canary.message).not.toContain('production');
    await expectNothingWritten(org.orgId, before);
  });

  it.each([
    ['an unknown version', 'unknown', 'NotFoundError', ['input', 'versionId']],
    ['another organization’s version', 'foreign', 'NotFoundError', ['input', 'versionId']],
    ['a model id', 'model', 'NotFoundError', ['input', 'versionId']],
    ['a stale expectedUpdatedAt', 'stale', 'ConflictError', ['input', 'expectedUpdatedAt']],
    ['a version of an archived model', 'archivedModel', 'ConflictError', ['input', 'versionId']],
  ])('refuses to archive %s, writing nothing', async (_name, which, typename, path) => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const { model, id } = await created(org);
    const foreignModel = await seedModel(other, 'foreign');
    const input: Record<string, unknown> = { versionId: id };
    if (which === 'unknown') input.versionId = unknownId('ModelVersion');
    if (which === 'foreign') {
      input.versionId = globalId(
        'ModelVersion',
        (await seedVersion(other, foreignModel.id, '1.0.0')).id,
      );
    }
    if (which === 'model') input.versionId = globalId('Model', model.id);
    if (which === 'stale') input.expectedUpdatedAt = '2020-01-01T00:00:00.000Z';
    if (which === 'archivedModel') {
      await setModelArchived(serviceDeps(), viewerOf(org, 'EDITOR'), {
        modelId: model.id,
        archived: true,
      });
    }
    const before = await rowCounts(org.orgId);
    const result = await gql(org.tokens.EDITOR, lifecycle('modelVersionArchive'), { input });
    expect(fieldOf(result, 'modelVersionArchive')).toMatchObject({ __typename: typename, path });
    await expectNothingWritten(org.orgId, before);
  });
});
