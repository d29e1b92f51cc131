// Expected failures come back as typed error data with the exact input path, and leave the database
// exactly as it was: no row in any table, no audit event.
import { describe, expect, it } from 'vitest';
import {
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  seedDataset,
  seedDeployment,
  seedModel,
  seedVersion,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';

const ModelRegister = /* GraphQL */ `
  mutation ModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) {
      __typename
      ... on Error { message path }
    }
  }
`;

const ModelVersionCreate = /* GraphQL */ `
  mutation ModelVersionCreate($input: ModelVersionCreateInput!) {
    modelVersionCreate(input: $input) {
      __typename
      ... on Error { message path }
      ... on NotFoundError { resourceId }
      ... on LineageCycleError { edgeType cycle }
      ... on EdgeNotAllowedError { edgeType fromKind toKind }
    }
  }
`;

const ModelVersionPromote = /* GraphQL */ `
  mutation ModelVersionPromote($input: ModelVersionPromoteInput!) {
    modelVersionPromote(input: $input) {
      __typename
      ... on Error { message path }
    }
  }
`;

const ModelReplace = /* GraphQL */ `
  mutation ModelReplace($input: ModelReplaceInput!) {
    modelReplace(input: $input) {
      __typename
      ... on Error { message path }
      ... on LineageCycleError { edgeType cycle }
    }
  }
`;

const LineageEdgeAdd = /* GraphQL */ `
  mutation LineageEdgeAdd($input: LineageEdgeAddInput!) {
    lineageEdgeAdd(input: $input) {
      __typename
      ... on Error { message path }
      ... on NotFoundError { resourceId }
      ... on LineageCycleError { edgeType cycle }
      ... on EdgeNotAllowedError { edgeType fromKind toKind }
    }
  }
`;

const DatasetRegister = /* GraphQL */ `
  mutation DatasetRegister($input: DatasetRegisterInput!) {
    datasetRegister(input: $input) {
      __typename
      ... on Error { message path }
    }
  }
`;

const ExperimentCreate = /* GraphQL */ `
  mutation ExperimentCreate($input: ExperimentCreateInput!) {
    experimentCreate(input: $input) {
      __typename
      ... on Error { message path }
    }
  }
`;

const DeploymentCreate = /* GraphQL */ `
  mutation DeploymentCreate($input: DeploymentCreateInput!) {
    deploymentCreate(input: $input) {
      __typename
      ... on Error { message path }
    }
  }
`;

/** 64 KiB of JSON plus a little: one byte over the limit is enough, this is clearly over. */
const OVERSIZED_METADATA = { blob: 'x'.repeat(64 * 1024) };

/** A model with one version, a dataset and a deployment to point mutations at. */
async function givenRegistry() {
  const org = await createTestOrg();
  const model = await seedModel(org, 'base');
  const version = await seedVersion(org, model.id, '1.0.0');
  const dataset = await seedDataset(org, 'data');
  const deployment = await seedDeployment(org, 'serving', [{ versionId: version.id }]);
  return {
    org,
    ids: {
      model: globalId('Model', model.id),
      version: globalId('ModelVersion', version.id),
      dataset: globalId('Dataset', dataset.id),
      deployment: globalId('Deployment', deployment.id),
      user: globalId('User', org.userIds.EDITOR),
    },
  };
}

type Ids = Awaited<ReturnType<typeof givenRegistry>>['ids'];

/** Runs a mutation that must fail as data, and checks that it wrote nothing. */
async function expectRefused(
  org: TestOrg,
  operation: string,
  field: string,
  input: Record<string, unknown>,
) {
  const before = await rowCounts(org.orgId);
  const result = fieldOf(await gql(org.tokens.EDITOR, operation, { input }), field);
  await expectNothingWritten(org.orgId, before);
  return result;
}

describe('conflicts', () => {
  it('refuses a duplicate model name as a ConflictError on input.name', async () => {
    // given
    const { org } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelRegister, 'modelRegister', { name: 'base' });

    // then
    expect(result).toMatchObject({ __typename: 'ConflictError', path: ['input', 'name'] });
  });

  it('refuses a duplicate version of a model as a ConflictError on input.version', async () => {
    // given
    const { org, ids } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelVersionCreate, 'modelVersionCreate', {
      modelId: ids.model,
      version: '1.0.0',
    });

    // then
    expect(result).toMatchObject({ __typename: 'ConflictError', path: ['input', 'version'] });
  });

  it('refuses a duplicate live edge as a ConflictError on input.toId', async () => {
    // given a version already deployed to the deployment
    const { org, ids } = await givenRegistry();

    // when
    const result = await expectRefused(org, LineageEdgeAdd, 'lineageEdgeAdd', {
      type: 'DEPLOYED_TO',
      fromId: ids.version,
      toId: ids.deployment,
    });

    // then
    expect(result).toMatchObject({ __typename: 'ConflictError', path: ['input', 'toId'] });
  });
});

describe('malformed versions', () => {
  it.each(['1.0', 'v1.0.0', '1.0.0.0', '01.0.0', '1.0.0-', 'latest', ''])(
    'refuses version %j as a ValidationError on input.version',
    async (version) => {
      // given
      const { org, ids } = await givenRegistry();

      // when
      const result = await expectRefused(org, ModelVersionCreate, 'modelVersionCreate', {
        modelId: ids.model,
        version,
      });

      // then
      expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'version'] });
    },
  );
});

describe('ids that do not point at a node of the right kind', () => {
  const badIds: [string, (ids: Ids) => string][] = [
    ['an unknown id', () => unknownId('Model')],
    ['the id of a dataset', (ids) => ids.dataset],
    ['the id of a version', (ids) => ids.version],
    ['a malformed id', () => 'definitely-not-an-id'],
    ['an id that is valid base64 but no global id', () => btoa('no colon here')],
  ];

  it.each(badIds)('refuses %s as modelId with a NotFoundError on input.modelId', async (_, id) => {
    // given
    const { org, ids } = await givenRegistry();
    const modelId = id(ids);

    // when
    const result = await expectRefused(org, ModelVersionCreate, 'modelVersionCreate', {
      modelId,
      version: '2.0.0',
    });

    // then
    expect(result).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'modelId'],
      resourceId: modelId,
    });
  });

  it('refuses an unknown training dataset with the index of the entry in the path', async () => {
    // given
    const { org, ids } = await givenRegistry();
    const missing = unknownId('Dataset');

    // when
    const result = await expectRefused(org, ModelVersionCreate, 'modelVersionCreate', {
      modelId: ids.model,
      version: '2.0.0',
      trainedOn: [{ datasetId: ids.dataset }, { datasetId: missing }],
    });

    // then
    expect(result).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'trainedOn', '1', 'datasetId'],
      resourceId: missing,
    });
  });

  it('refuses a version id given as an evaluation dataset', async () => {
    // given
    const { org, ids } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelVersionCreate, 'modelVersionCreate', {
      modelId: ids.model,
      version: '2.0.0',
      evaluatedOn: [{ datasetId: ids.version }],
    });

    // then
    expect(result).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'evaluatedOn', '0', 'datasetId'],
    });
  });

  it('refuses an unknown derivedFrom parent with its index in the path', async () => {
    // given
    const { org, ids } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelVersionCreate, 'modelVersionCreate', {
      modelId: ids.model,
      version: '2.0.0',
      derivedFrom: [ids.version, unknownId('ModelVersion')],
    });

    // then
    expect(result).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'derivedFrom', '1'],
    });
  });

  it.each([
    ['an unknown id', () => unknownId('ModelVersion')],
    ['the id of a model', (ids) => ids.model],
    ['the id of a deployment', (ids) => ids.deployment],
    ['a malformed id', () => 'definitely-not-an-id'],
  ] as [string, (ids: Ids) => string][])('refuses %s as the version to promote', async (_, id) => {
    // given
    const { org, ids } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelVersionPromote, 'modelVersionPromote', {
      versionId: id(ids),
    });

    // then
    expect(result).toMatchObject({ __typename: 'NotFoundError', path: ['input', 'versionId'] });
  });

  it.each([
    ['fromId', ['input', 'fromId']],
    ['toId', ['input', 'toId']],
  ] as const)('refuses an unknown %s in lineageEdgeAdd on that field', async (field, path) => {
    // given
    const { org, ids } = await givenRegistry();
    const input = { type: 'TRAINED_ON', fromId: ids.version, toId: ids.dataset };

    // when
    const result = await expectRefused(org, LineageEdgeAdd, 'lineageEdgeAdd', {
      ...input,
      [field]: field === 'fromId' ? unknownId('ModelVersion') : unknownId('Dataset'),
    });

    // then
    expect(result).toMatchObject({ __typename: 'NotFoundError', path });
  });

  it('refuses a malformed toId in lineageEdgeAdd on input.toId', async () => {
    // given
    const { org, ids } = await givenRegistry();

    // when
    const result = await expectRefused(org, LineageEdgeAdd, 'lineageEdgeAdd', {
      type: 'TRAINED_ON',
      fromId: ids.version,
      toId: '%%%',
    });

    // then
    expect(result).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'toId'],
      resourceId: '%%%',
    });
  });

  it('refuses an unknown replacement model on input.replacedById', async () => {
    // given
    const { org, ids } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelReplace, 'modelReplace', {
      modelId: ids.model,
      replacedById: unknownId('Model'),
    });

    // then
    expect(result).toMatchObject({ __typename: 'NotFoundError', path: ['input', 'replacedById'] });
  });
});

describe('edge types between kinds they may not join', () => {
  const cases: [string, keyof Ids, keyof Ids, string, string][] = [
    ['TRAINED_ON', 'dataset', 'version', 'DATASET', 'MODEL_VERSION'],
    ['TRAINED_ON', 'version', 'deployment', 'MODEL_VERSION', 'DEPLOYMENT'],
    ['DEPLOYED_TO', 'deployment', 'version', 'DEPLOYMENT', 'MODEL_VERSION'],
    ['EVALUATED_ON', 'model', 'dataset', 'MODEL', 'DATASET'],
    ['DERIVED_FROM', 'version', 'dataset', 'MODEL_VERSION', 'DATASET'],
    ['REPLACED_BY', 'version', 'model', 'MODEL_VERSION', 'MODEL'],
    ['APPROVED_BY', 'model', 'user', 'MODEL', 'USER'],
  ];

  it.each(cases)(
    'refuses %s from a %s to a %s as an EdgeNotAllowedError on input.type',
    async (type, from, to, fromKind, toKind) => {
      // given
      const { org, ids } = await givenRegistry();

      // when
      const result = await expectRefused(org, LineageEdgeAdd, 'lineageEdgeAdd', {
        type,
        fromId: ids[from],
        toId: ids[to],
      });

      // then
      expect(result).toMatchObject({
        __typename: 'EdgeNotAllowedError',
        path: ['input', 'type'],
        edgeType: type,
        fromKind,
        toKind,
      });
    },
  );

  it('refuses APPROVED_BY through lineageEdgeAdd: approvals write it', async () => {
    // given
    const { org, ids } = await givenRegistry();

    // when
    const result = await expectRefused(org, LineageEdgeAdd, 'lineageEdgeAdd', {
      type: 'APPROVED_BY',
      fromId: ids.version,
      toId: ids.user,
    });

    // then
    expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'type'] });
  });

  it('refuses REPLACED_BY between models through lineageEdgeAdd: modelReplace deprecates too', async () => {
    // given
    const { org, ids } = await givenRegistry();
    const other = globalId('Model', (await seedModel(org, 'other')).id);

    // when
    const result = await expectRefused(org, LineageEdgeAdd, 'lineageEdgeAdd', {
      type: 'REPLACED_BY',
      fromId: ids.model,
      toId: other,
    });

    // then
    expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'type'] });
  });

  it('refuses an edge from a node to itself on input.toId', async () => {
    // given
    const { org, ids } = await givenRegistry();

    // when
    const result = await expectRefused(org, LineageEdgeAdd, 'lineageEdgeAdd', {
      type: 'DERIVED_FROM',
      fromId: ids.version,
      toId: ids.version,
    });

    // then
    expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'toId'] });
  });
});

describe('cycles', () => {
  it('refuses an edge that would close a derivedFrom cycle, naming the cycle', async () => {
    // given v3 derived from v2, derived from v1
    const org = await createTestOrg();
    const model = await seedModel(org, 'chain');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0', { derivedFrom: [v1.id] });
    const v3 = await seedVersion(org, model.id, '3.0.0', { derivedFrom: [v2.id] });

    // when v1 would derive from v3
    const result = await expectRefused(org, LineageEdgeAdd, 'lineageEdgeAdd', {
      type: 'DERIVED_FROM',
      fromId: globalId('ModelVersion', v1.id),
      toId: globalId('ModelVersion', v3.id),
    });

    // then the cycle is the existing path from v3 back to v1
    expect(result).toMatchObject({
      __typename: 'LineageCycleError',
      path: ['input', 'toId'],
      edgeType: 'DERIVED_FROM',
      cycle: [v3.id, v2.id, v1.id].map((id) => globalId('ModelVersion', id)),
    });
  });

  it('refuses a REPLACED_BY edge between versions that would close a cycle', async () => {
    // given v1 replaced by v2
    const org = await createTestOrg();
    const model = await seedModel(org, 'replaced');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0');
    const ids = [globalId('ModelVersion', v1.id), globalId('ModelVersion', v2.id)] as const;
    fieldOf(
      await gql(org.tokens.EDITOR, LineageEdgeAdd, {
        input: { type: 'REPLACED_BY', fromId: ids[0], toId: ids[1] },
      }),
      'lineageEdgeAdd',
    );

    // when v2 would be replaced by v1
    const result = await expectRefused(org, LineageEdgeAdd, 'lineageEdgeAdd', {
      type: 'REPLACED_BY',
      fromId: ids[1],
      toId: ids[0],
    });

    // then
    expect(result).toMatchObject({
      __typename: 'LineageCycleError',
      edgeType: 'REPLACED_BY',
      cycle: [ids[0], ids[1]],
    });
  });

  it('refuses a modelReplace that would close a replacedBy cycle, leaving both models as they were', async () => {
    // given a replaced by b, b replaced by c
    const org = await createTestOrg();
    const [a, b, c] = [
      await seedModel(org, 'a'),
      await seedModel(org, 'b'),
      await seedModel(org, 'c'),
    ];
    for (const [from, to] of [
      [a, b],
      [b, c],
    ] as const) {
      fieldOf(
        await gql(org.tokens.EDITOR, ModelReplace, {
          input: { modelId: globalId('Model', from.id), replacedById: globalId('Model', to.id) },
        }),
        'modelReplace',
      );
    }

    // when c would be replaced by a
    const result = await expectRefused(org, ModelReplace, 'modelReplace', {
      modelId: globalId('Model', c.id),
      replacedById: globalId('Model', a.id),
    });

    // then (and c stays ACTIVE: expectRefused saw no row change)
    expect(result).toMatchObject({
      __typename: 'LineageCycleError',
      path: ['input', 'replacedById'],
      edgeType: 'REPLACED_BY',
      cycle: [a.id, b.id, c.id].map((id) => globalId('Model', id)),
    });
  });

  it('refuses a derivedFrom parent listed twice, at the repeated entry', async () => {
    // given
    const { org, ids } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelVersionCreate, 'modelVersionCreate', {
      modelId: ids.model,
      version: '2.0.0',
      derivedFrom: [ids.version, ids.version],
    });

    // then
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'derivedFrom', '1'],
    });
  });
});

describe('metadata, properties and tags', () => {
  const metadataCases: [string, string, (ids: Ids) => Record<string, unknown>][] = [
    ['modelRegister', ModelRegister, () => ({ name: 'new-model' })],
    ['modelVersionCreate', ModelVersionCreate, (ids) => ({ modelId: ids.model, version: '9.0.0' })],
    ['datasetRegister', DatasetRegister, () => ({ name: 'new-dataset' })],
    ['experimentCreate', ExperimentCreate, () => ({ name: 'new-experiment' })],
    ['deploymentCreate', DeploymentCreate, () => ({ name: 'new-deployment', environment: 'dev' })],
  ];

  it.each(metadataCases)(
    '%s refuses metadata over 64 KiB on input.metadata',
    async (field, operation, input) => {
      // given
      const { org, ids } = await givenRegistry();

      // when
      const result = await expectRefused(org, operation, field, {
        ...input(ids),
        metadata: OVERSIZED_METADATA,
      });

      // then
      expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'metadata'] });
    },
  );

  it.each([
    ['a string', 'just text'],
    ['an array', [1, 2, 3]],
    ['a number', 42],
    ['a boolean', true],
  ])('refuses %s as metadata on input.metadata', async (_, metadata) => {
    // given
    const { org } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelRegister, 'modelRegister', {
      name: 'scalar-metadata',
      metadata,
    });

    // then
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'metadata'],
      message: 'Must be a JSON object',
    });
  });

  it('accepts metadata of just under 64 KiB', async () => {
    // given
    const org = await createTestOrg();
    const metadata = { blob: 'x'.repeat(64 * 1024 - '{"blob":""}'.length) };

    // when
    const result = await gql(org.tokens.EDITOR, ModelRegister, {
      input: { name: 'at-the-limit', metadata },
    });

    // then
    expect(fieldOf(result, 'modelRegister').__typename).toBe('ModelRegisterPayload');
  });

  it('refuses metadata nested deeper than 32 levels', async () => {
    // given
    const { org } = await givenRegistry();
    let metadata: Record<string, unknown> = {};
    for (let level = 0; level < 40; level += 1) metadata = { level: metadata };

    // when
    const result = await expectRefused(org, ModelRegister, 'modelRegister', {
      name: 'deep',
      metadata,
    });

    // then
    expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'metadata'] });
  });

  it('refuses oversized edge properties on input.properties', async () => {
    // given
    const { org, ids } = await givenRegistry();
    const other = await seedDataset(org, 'other');

    // when
    const result = await expectRefused(org, LineageEdgeAdd, 'lineageEdgeAdd', {
      type: 'TRAINED_ON',
      fromId: ids.version,
      toId: globalId('Dataset', other.id),
      properties: OVERSIZED_METADATA,
    });

    // then
    expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'properties'] });
  });

  it('refuses non-object properties on a training link at that entry’s properties', async () => {
    // given
    const { org, ids } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelVersionCreate, 'modelVersionCreate', {
      modelId: ids.model,
      version: '2.0.0',
      trainedOn: [{ datasetId: ids.dataset, properties: ['train'] }],
    });

    // then
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'trainedOn', '0', 'properties'],
    });
  });

  it('refuses more than 50 tags on input.tags', async () => {
    // given
    const { org } = await givenRegistry();
    const tags = Array.from({ length: 51 }, (_, index) => `tag-${index}`);

    // when
    const result = await expectRefused(org, ModelRegister, 'modelRegister', {
      name: 'tagged',
      tags,
    });

    // then
    expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'tags'] });
  });

  it('refuses more than 50 tags given in metadata on input.metadata.tags', async () => {
    // given
    const { org } = await givenRegistry();
    const tags = Array.from({ length: 51 }, (_, index) => `tag-${index}`);

    // when
    const result = await expectRefused(org, ModelRegister, 'modelRegister', {
      name: 'tagged',
      metadata: { tags },
    });

    // then
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'metadata', 'tags'],
    });
  });

  it('accepts exactly 50 tags', async () => {
    // given
    const org = await createTestOrg();
    const tags = Array.from({ length: 50 }, (_, index) => `tag-${index}`);

    // when
    const result = await gql(org.tokens.EDITOR, ModelRegister, { input: { name: 'fifty', tags } });

    // then
    expect(fieldOf(result, 'modelRegister').__typename).toBe('ModelRegisterPayload');
  });

  it('refuses a tag longer than 64 characters at its index', async () => {
    // given
    const { org } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelRegister, 'modelRegister', {
      name: 'long-tag',
      tags: ['ok', 'y'.repeat(65)],
    });

    // then
    expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'tags', '1'] });
  });

  it('refuses tags in metadata that are not a list of strings', async () => {
    // given
    const { org } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelRegister, 'modelRegister', {
      name: 'odd-tags',
      metadata: { tags: 'nlp' },
    });

    // then
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'metadata', 'tags'],
    });
  });

  it('refuses a non-string provider in metadata on input.provider', async () => {
    // given
    const { org } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelRegister, 'modelRegister', {
      name: 'odd-provider',
      metadata: { provider: 42 },
    });

    // then
    expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'provider'] });
  });

  it.each([
    ['an empty name', '   '],
    ['a name over 200 characters', 'n'.repeat(201)],
    ['a name with a control character', 'bad\u0000name'],
  ])('refuses %s on input.name', async (_, name) => {
    // given
    const { org } = await givenRegistry();

    // when
    const result = await expectRefused(org, ModelRegister, 'modelRegister', { name });

    // then
    expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'name'] });
  });
});
