// What happens to a model after registration, through GraphQL: modelUpdate, modelArchive,
// modelRestore and modelAliasDelete; the audit they write, what they refuse, and what archiving
// hides.
import { describe, expect, it } from 'vitest';
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
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';

const ModelUpdate = /* GraphQL */ `
  mutation ModelUpdate($input: ModelUpdateInput!) {
    modelUpdate(input: $input) {
      __typename
      ... on ModelUpdatePayload {
        model { id name description tags metadata provider framework modelType status updatedAt }
      }
      ... on Error { message path }
    }
  }
`;

const lifecycle = (field: 'modelArchive' | 'modelRestore') => /* GraphQL */ `
  mutation ($input: ${field === 'modelArchive' ? 'ModelArchiveInput' : 'ModelRestoreInput'}!) {
    ${field}(input: $input) {
      __typename
      ... on ${field === 'modelArchive' ? 'ModelArchivePayload' : 'ModelRestorePayload'} {
        model { id status }
      }
      ... on Error { message path }
    }
  }
`;

const AliasDelete = /* GraphQL */ `
  mutation ($input: ModelAliasDeleteInput!) {
    modelAliasDelete(input: $input) {
      __typename
      ... on ModelAliasDeletePayload { model { id aliases { name } productionVersion { id } } previousVersion { id } }
      ... on Error { message path }
    }
  }
`;

async function registered(org: TestOrg, name = 'triage') {
  const model = await seedModel(org, name, {
    description: 'Routes tickets',
    tags: ['nlp', 'support'],
    metadata: { owner: 'ml', limits: { rpm: 100, tpm: 1000 } },
  });
  return { row: model, id: globalId('Model', model.id) };
}

describe('modelUpdate', () => {
  it('renames, describes, merges metadata and edits tags, audited with before and after', async () => {
    const org = await createTestOrg();
    const { row, id } = await registered(org);
    const result = await gql(org.tokens.EDITOR, ModelUpdate, {
      input: {
        modelId: id,
        name: 'ticket-triage',
        description: 'Routes support tickets',
        metadata: { owner: null, limits: { rpm: 200 }, region: 'eu' },
        addTags: ['routing'],
        removeTags: ['support', 'not-there'],
        provider: 'anthropic',
        reason: 'clearer name',
      },
    });
    const model = fieldOf(result, 'modelUpdate').model;
    expect(model).toMatchObject({
      name: 'ticket-triage',
      description: 'Routes support tickets',
      tags: ['nlp', 'routing'],
      metadata: { limits: { rpm: 200, tpm: 1000 }, region: 'eu' },
      provider: 'anthropic',
      status: 'ACTIVE',
    });
    expect(new Date(model.updatedAt).getTime()).toBeGreaterThan(row.updatedAt.getTime());
    const [event] = await auditEvents(org.orgId, { action: 'model.update' });
    expect(event).toMatchObject({
      subject_id: row.id,
      reason: 'clearer name',
      before: { name: 'triage', tags: ['nlp', 'support'], provider: null },
      after: { name: 'ticket-triage', tags: ['nlp', 'routing'], provider: 'anthropic' },
    });
    const renamed = await gql(
      org.tokens.VIEWER,
      '{ old: models(filter: { text: "ticket" }) { edges { node { name } } } }',
    );
    expect(fieldOf(renamed, 'old').edges).toEqual([{ node: { name: 'ticket-triage' } }]);
  });

  it('replaces metadata with REPLACE, clears it with null, and writes nothing when nothing changes', async () => {
    const org = await createTestOrg();
    const { id } = await registered(org);
    const replaced = await gql(org.tokens.EDITOR, ModelUpdate, {
      input: { modelId: id, metadata: { v: 2 }, metadataMode: 'REPLACE' },
    });
    expect(fieldOf(replaced, 'modelUpdate').model.metadata).toEqual({ v: 2 });
    const cleared = await gql(org.tokens.EDITOR, ModelUpdate, {
      input: { modelId: id, metadata: null, description: '' },
    });
    expect(fieldOf(cleared, 'modelUpdate').model).toMatchObject({
      metadata: null,
      description: null,
    });
    const before = await rowCounts(org.orgId);
    const same = await gql(org.tokens.EDITOR, ModelUpdate, {
      input: { modelId: id, addTags: ['nlp'], removeTags: [] },
    });
    expect(fieldOf(same, 'modelUpdate').__typename).toBe('ModelUpdatePayload');
    await expectNothingWritten(org.orgId, before);
  });

  it.each([
    ['an empty name', { name: ' ' }, 'ValidationError', ['input', 'name']],
    [
      'a tag added and removed',
      { addTags: ['x'], removeTags: ['x'] },
      'ValidationError',
      ['input', 'addTags', '0'],
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
    ['a name another model has', { name: 'other' }, 'ConflictError', ['input', 'name']],
    [
      'a stale expectedUpdatedAt',
      { expectedUpdatedAt: '2020-01-01T00:00:00.000Z', description: 'x' },
      'ConflictError',
      ['input', 'expectedUpdatedAt'],
    ],
    ['an unknown model', { modelId: 'unknown' }, 'NotFoundError', ['input', 'modelId']],
    ['another organization’s model', { modelId: 'foreign' }, 'NotFoundError', ['input', 'modelId']],
    ['a dataset id', { modelId: 'dataset' }, 'NotFoundError', ['input', 'modelId']],
  ])('refuses %s with a typed error, writing nothing', async (_name, patch, typename, path) => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const { id } = await registered(org);
    await seedModel(org, 'other');
    const ids: Record<string, string> = {
      unknown: unknownId('Model'),
      foreign: globalId('Model', (await seedModel(other, 'foreign')).id),
      dataset: unknownId('Dataset'),
    };
    const input: Record<string, unknown> = { modelId: id, ...patch };
    if (typeof input.modelId === 'string' && ids[input.modelId]) input.modelId = ids[input.modelId];
    const before = await rowCounts(org.orgId);
    const result = await gql(org.tokens.EDITOR, ModelUpdate, { input });
    expect(fieldOf(result, 'modelUpdate')).toMatchObject({ __typename: typename, path });
    await expectNothingWritten(org.orgId, before);
  });

  it('accepts the updatedAt it read, then refuses it once the model changed', async () => {
    const org = await createTestOrg();
    const { row, id } = await registered(org);
    const read = row.updatedAt.toISOString();
    const first = await gql(org.tokens.EDITOR, ModelUpdate, {
      input: { modelId: id, description: 'first', expectedUpdatedAt: read },
    });
    expect(fieldOf(first, 'modelUpdate').__typename).toBe('ModelUpdatePayload');
    const second = await gql(org.tokens.EDITOR, ModelUpdate, {
      input: { modelId: id, description: 'second', expectedUpdatedAt: read },
    });
    expect(fieldOf(second, 'modelUpdate')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'expectedUpdatedAt'],
    });
  });

  it('lets one of two concurrent edits of the same read win, the other a ConflictError', async () => {
    const org = await createTestOrg();
    const { row, id } = await registered(org);
    const read = row.updatedAt.toISOString();
    const results = await Promise.all(
      ['a', 'b', 'c'].map((description) =>
        gql(org.tokens.EDITOR, ModelUpdate, {
          input: { modelId: id, description, expectedUpdatedAt: read },
        }),
      ),
    );
    const kinds = results.map((result) => fieldOf(result, 'modelUpdate').__typename).sort();
    expect(kinds).toEqual(['ConflictError', 'ConflictError', 'ModelUpdatePayload']);
    expect(await auditEvents(org.orgId, { action: 'model.update' })).toHaveLength(1);
  });
});

describe('modelArchive and modelRestore', () => {
  it('hides an archived model from lists, keeps it readable, and refuses edits and promotion', async () => {
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const { row, id } = await registered(org);
    const version = await seedVersion(org, row.id, '1.0.0');
    const archived = await gql(org.tokens.EDITOR, lifecycle('modelArchive'), {
      input: { modelId: id, reason: 'retired' },
    });
    expect(fieldOf(archived, 'modelArchive').model).toEqual({ id, status: 'ARCHIVED' });

    const lists = await gql(
      org.tokens.VIEWER,
      `query ($id: ID!) {
        all: models { edges { node { id } } }
        archived: models(filter: { status: [ARCHIVED] }) { edges { node { id } } }
        node(id: $id) { ... on Model { status } }
      }`,
      { id },
    );
    expect(fieldOf(lists, 'all').edges).toEqual([]);
    expect(fieldOf(lists, 'archived').edges).toEqual([{ node: { id } }]);
    expect(fieldOf(lists, 'node')).toEqual({ status: 'ARCHIVED' });

    const edit = await gql(org.tokens.EDITOR, ModelUpdate, {
      input: { modelId: id, description: 'x' },
    });
    expect(fieldOf(edit, 'modelUpdate')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'modelId'],
    });
    const promote = await gql(
      org.tokens.EDITOR,
      `mutation ($input: ModelVersionPromoteInput!) { modelVersionPromote(input: $input) {
        __typename ... on Error { path } } }`,
      { input: { versionId: globalId('ModelVersion', version.id) } },
    );
    expect(fieldOf(promote, 'modelVersionPromote')).toEqual({
      __typename: 'ConflictError',
      path: ['input', 'versionId'],
    });

    const again = await gql(org.tokens.EDITOR, lifecycle('modelArchive'), {
      input: { modelId: id },
    });
    expect(fieldOf(again, 'modelArchive').__typename).toBe('ConflictError');
    const restored = await gql(org.tokens.EDITOR, lifecycle('modelRestore'), {
      input: { modelId: id },
    });
    expect(fieldOf(restored, 'modelRestore').model).toEqual({ id, status: 'ACTIVE' });
    const events = await auditEvents(org.orgId, { subjectId: row.id });
    expect(events.map((event) => event.action)).toEqual([
      'model.register',
      'model.archive',
      'model.restore',
    ]);
  });

  it('refuses to archive a model in production or deployed, naming what holds it', async () => {
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const { row, id } = await registered(org);
    const v1 = await seedVersion(org, row.id, '1.0.0');
    await gql(
      org.tokens.EDITOR,
      `mutation ($input: ModelVersionPromoteInput!) { modelVersionPromote(input: $input) { __typename } }`,
      { input: { versionId: globalId('ModelVersion', v1.id) } },
    );
    await seedDeployment(org, 'triage-prod', [{ versionId: v1.id }]);
    const before = await rowCounts(org.orgId);
    const refused = await gql(org.tokens.EDITOR, lifecycle('modelArchive'), {
      input: { modelId: id },
    });
    const error = fieldOf(refused, 'modelArchive');
    expect(error).toMatchObject({ __typename: 'ConflictError', path: ['input', 'modelId'] });
    expect(error.message).toContain('version 1.0.0 is in production');
    expect(error.message).toContain('deployment "triage-prod" serves version 1.0.0');
    await expectNothingWritten(org.orgId, before);
  });

  it('restores a replaced model as DEPRECATED', async () => {
    const org = await createTestOrg();
    const old = await registered(org, 'old');
    const successor = await registered(org, 'new');
    await gql(
      org.tokens.EDITOR,
      `mutation ($input: ModelReplaceInput!) { modelReplace(input: $input) { __typename } }`,
      { input: { modelId: old.id, replacedById: successor.id } },
    );
    await gql(org.tokens.EDITOR, lifecycle('modelArchive'), { input: { modelId: old.id } });
    const restored = await gql(org.tokens.EDITOR, lifecycle('modelRestore'), {
      input: { modelId: old.id },
    });
    expect(fieldOf(restored, 'modelRestore').model.status).toBe('DEPRECATED');
  });
});

describe('modelAliasDelete', () => {
  it('removes an alias, production too, audited; an alias not there is NotFound', async () => {
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const { row, id } = await registered(org);
    const v1 = await seedVersion(org, row.id, '1.0.0');
    const v1Id = globalId('ModelVersion', v1.id);
    await gql(
      org.tokens.EDITOR,
      `mutation ($input: ModelVersionPromoteInput!) { modelVersionPromote(input: $input) { __typename } }`,
      { input: { versionId: v1Id } },
    );
    const removed = await gql(org.tokens.EDITOR, AliasDelete, {
      input: { modelId: id, alias: 'production', reason: 'incident 42' },
    });
    expect(fieldOf(removed, 'modelAliasDelete')).toEqual({
      __typename: 'ModelAliasDeletePayload',
      model: { id, aliases: [], productionVersion: null },
      previousVersion: { id: v1Id },
    });
    const [event] = await auditEvents(org.orgId, { action: 'model.aliasDelete' });
    expect(event).toMatchObject({
      before: { alias: 'production', versionId: v1.id },
      reason: 'incident 42',
    });
    const before = await rowCounts(org.orgId);
    const missing = await gql(org.tokens.EDITOR, AliasDelete, {
      input: { modelId: id, alias: 'production' },
    });
    expect(fieldOf(missing, 'modelAliasDelete')).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'alias'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});
