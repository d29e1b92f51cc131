// The mutations that build the graph around versions (datasets, deployments, experiments, lineage
// edges), through the Worker's fetch: the payload, the rows written, the graph afterwards.
import { describe, expect, it } from 'vitest';
import {
  auditEvents,
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  rowId,
  seedDataset,
  seedModel,
  seedVersion,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, testDb } from '../helpers/graphql.ts';

const DatasetRegister = /* GraphQL */ `
  mutation DatasetRegister($input: DatasetRegisterInput!) {
    datasetRegister(input: $input) {
      __typename
      ... on DatasetRegisterPayload {
        dataset { id name description uri format metadata createdBy { id } }
      }
      ... on Error { message path }
    }
  }
`;

const DeploymentCreate = /* GraphQL */ `
  mutation DeploymentCreate($input: DeploymentCreateInput!) {
    deploymentCreate(input: $input) {
      __typename
      ... on DeploymentCreatePayload {
        deployment {
          id
          name
          environment
          endpointUrl
          region
          metadata
          modelVersions { edges { node { id version } properties } }
        }
      }
      ... on Error { message path }
      ... on NotFoundError { resourceId }
    }
  }
`;

const VersionDeployments = /* GraphQL */ `
  query VersionDeployments($versionId: ID!, $modelId: ID!) {
    version: node(id: $versionId) {
      ... on ModelVersion { deployedTo { edges { node { name environment } properties } } }
    }
    model(id: $modelId) {
      deployedTo { edges { node { name } properties modelVersion { version } } }
    }
  }
`;

const ExperimentCreate = /* GraphQL */ `
  mutation ExperimentCreate($input: ExperimentCreateInput!) {
    experimentCreate(input: $input) {
      __typename
      ... on ExperimentCreatePayload { experiment { id name description metadata } }
      ... on Error { message path }
    }
  }
`;

const LineageEdgeAdd = /* GraphQL */ `
  mutation LineageEdgeAdd($input: LineageEdgeAddInput!) {
    lineageEdgeAdd(input: $input) {
      __typename
      ... on LineageEdgePayload {
        edge {
          id
          type
          properties
          removedAt
          createdBy { id }
          from { id __typename }
          to { id __typename }
        }
      }
      ... on Error { message path }
    }
  }
`;

const LineageEdgeRemove = /* GraphQL */ `
  mutation LineageEdgeRemove($input: LineageEdgeRemoveInput!) {
    lineageEdgeRemove(input: $input) {
      __typename
      ... on LineageEdgePayload { edge { id type removedAt removedBy { id } } }
      ... on Error { message path }
    }
  }
`;

const VersionEdges = /* GraphQL */ `
  query VersionEdges($versionId: ID!, $parentId: ID!, $datasetId: ID!, $modelId: ID!) {
    version: node(id: $versionId) {
      ... on ModelVersion {
        derivedFrom { id }
        experiments { id name }
        trainedOn { edges { node { id } } }
      }
    }
    parent: node(id: $parentId) {
      ... on ModelVersion { derivatives { edges { node { id } } } }
    }
    dataset: node(id: $datasetId) {
      ... on Dataset { trainedModels { edges { node { id } } } }
    }
    model(id: $modelId) {
      trainedOn { edges { node { id } } }
    }
  }
`;

const ExperimentVersions = /* GraphQL */ `
  query ExperimentVersions($id: ID!) {
    node(id: $id) {
      ... on Experiment { name modelVersions { edges { node { version } } } }
    }
  }
`;

const GraphEdgeById = /* GraphQL */ `
  query GraphEdgeById($id: ID!) {
    node(id: $id) {
      ... on GraphEdge { type removedAt removedBy { id } from { id } to { id } }
    }
  }
`;

describe('datasetRegister', () => {
  it('registers a dataset and audits it', async () => {
    // given
    const org = await createTestOrg();

    // when
    const result = await gql(org.tokens.EDITOR, DatasetRegister, {
      input: {
        name: 'imagenet-1k',
        description: 'ILSVRC 2012',
        uri: 'r2://datasets/imagenet',
        format: 'parquet',
        metadata: { rows: 1281167 },
      },
    });

    // then
    const dataset = fieldOf(result, 'datasetRegister').dataset;
    expect(dataset).toMatchObject({
      name: 'imagenet-1k',
      description: 'ILSVRC 2012',
      uri: 'r2://datasets/imagenet',
      format: 'parquet',
      metadata: { rows: 1281167 },
      createdBy: { id: globalId('User', org.userIds.EDITOR) },
    });
    const row = await testDb()
      .selectFrom('dataset')
      .selectAll()
      .where('id', '=', rowId(dataset.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      org_id: org.orgId,
      name: 'imagenet-1k',
      uri: 'r2://datasets/imagenet',
      format: 'parquet',
      metadata: '{"rows":1281167}',
      created_by: org.userIds.EDITOR,
    });
    expect(await auditEvents(org.orgId, { subjectId: row.id })).toMatchObject([
      { action: 'dataset.register', subject_kind: 'Dataset' },
    ]);
  });

  it('refuses a duplicate dataset name as a ConflictError, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    await seedDataset(org, 'squad');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, DatasetRegister, { input: { name: 'squad' } });

    // then
    expect(fieldOf(result, 'datasetRegister')).toMatchObject({
      __typename: 'ConflictError',
      path: ['input', 'name'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('deploymentCreate', () => {
  it('records a deployment with DEPLOYED_TO edges for the versions it serves', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'chat');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '1.1.0');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
      input: {
        name: 'chat-prod-eu',
        environment: 'Production',
        endpointUrl: 'https://chat.example.com',
        region: 'eu-west',
        metadata: { replicas: 3 },
        modelVersions: [
          { versionId: globalId('ModelVersion', v1.id), properties: { trafficShare: 0.9 } },
          { versionId: globalId('ModelVersion', v2.id), properties: { trafficShare: 0.1 } },
        ],
      },
    });

    // then
    const deployment = fieldOf(result, 'deploymentCreate').deployment;
    expect(deployment).toMatchObject({
      name: 'chat-prod-eu',
      environment: 'production',
      endpointUrl: 'https://chat.example.com',
      region: 'eu-west',
      metadata: { replicas: 3 },
    });
    expect(deployment.modelVersions.edges).toEqual([
      {
        node: { id: globalId('ModelVersion', v1.id), version: '1.0.0' },
        properties: { trafficShare: 0.9 },
      },
      {
        node: { id: globalId('ModelVersion', v2.id), version: '1.1.0' },
        properties: { trafficShare: 0.1 },
      },
    ]);
    expect(await rowCounts(org.orgId)).toEqual({
      ...before,
      deployment: before.deployment + 1,
      edge: before.edge + 2,
      audit_event: before.audit_event + 1,
    });
    const deploymentId = rowId(deployment.id);
    const edges = await testDb()
      .selectFrom('edge')
      .select(['type', 'src_id', 'src_kind', 'dst_kind', 'properties'])
      .where('dst_id', '=', deploymentId)
      .orderBy('id')
      .execute();
    expect(edges).toEqual([
      {
        type: 'DEPLOYED_TO',
        src_id: v1.id,
        src_kind: 'ModelVersion',
        dst_kind: 'Deployment',
        properties: '{"trafficShare":0.9}',
      },
      {
        type: 'DEPLOYED_TO',
        src_id: v2.id,
        src_kind: 'ModelVersion',
        dst_kind: 'Deployment',
        properties: '{"trafficShare":0.1}',
      },
    ]);
    expect(await auditEvents(org.orgId, { subjectId: deploymentId })).toMatchObject([
      {
        action: 'deployment.create',
        after: { name: 'chat-prod-eu', environment: 'production', modelVersions: [v1.id, v2.id] },
      },
    ]);
    const view = await gql(org.tokens.VIEWER, VersionDeployments, {
      versionId: globalId('ModelVersion', v2.id),
      modelId: globalId('Model', model.id),
    });
    expect(fieldOf(view, 'version').deployedTo.edges).toEqual([
      {
        node: { name: 'chat-prod-eu', environment: 'production' },
        properties: { trafficShare: 0.1 },
      },
    ]);
    expect(fieldOf(view, 'model').deployedTo.edges).toEqual([
      {
        node: { name: 'chat-prod-eu' },
        properties: { trafficShare: 0.9 },
        modelVersion: { version: '1.0.0' },
      },
      {
        node: { name: 'chat-prod-eu' },
        properties: { trafficShare: 0.1 },
        modelVersion: { version: '1.1.0' },
      },
    ]);
  });

  it('refuses an unknown served version with its exact path, writing no deployment', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'chat');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const missing = unknownId('ModelVersion');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
      input: {
        name: 'chat-canary',
        environment: 'canary',
        modelVersions: [{ versionId: globalId('ModelVersion', v1.id) }, { versionId: missing }],
      },
    });

    // then
    expect(fieldOf(result, 'deploymentCreate')).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'modelVersions', '1', 'versionId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses a version listed twice at the repeated entry, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'chat');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const before = await rowCounts(org.orgId);

    // when
    const versionId = globalId('ModelVersion', v1.id);
    const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
      input: {
        name: 'twice',
        environment: 'staging',
        modelVersions: [{ versionId }, { versionId }],
      },
    });

    // then
    expect(fieldOf(result, 'deploymentCreate')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'modelVersions', '1', 'versionId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('refuses an environment that is not a lowercase slug, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, DeploymentCreate, {
      input: { name: 'odd', environment: 'prod env!' },
    });

    // then
    expect(fieldOf(result, 'deploymentCreate')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input', 'environment'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});

describe('experimentCreate', () => {
  it('records an experiment that versions can derive from', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'recsys');
    const version = await seedVersion(org, model.id, '1.0.0');

    // when
    const result = await gql(org.tokens.EDITOR, ExperimentCreate, {
      input: { name: 'lr-sweep', description: 'Learning-rate sweep', metadata: { arms: 4 } },
    });

    // then
    const experiment = fieldOf(result, 'experimentCreate').experiment;
    expect(experiment).toMatchObject({
      name: 'lr-sweep',
      description: 'Learning-rate sweep',
      metadata: { arms: 4 },
    });
    const row = await testDb()
      .selectFrom('experiment')
      .selectAll()
      .where('id', '=', rowId(experiment.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ org_id: org.orgId, name: 'lr-sweep', metadata: '{"arms":4}' });
    expect(await auditEvents(org.orgId, { subjectId: row.id })).toMatchObject([
      { action: 'experiment.create', subject_kind: 'Experiment' },
    ]);

    // and when a version is linked to it
    fieldOf(
      await gql(org.tokens.EDITOR, LineageEdgeAdd, {
        input: {
          type: 'DERIVED_FROM',
          fromId: globalId('ModelVersion', version.id),
          toId: experiment.id,
        },
      }),
      'lineageEdgeAdd',
    );
    const view = fieldOf(
      await gql(org.tokens.VIEWER, ExperimentVersions, { id: experiment.id }),
      'node',
    );
    expect(view).toEqual({
      name: 'lr-sweep',
      modelVersions: { edges: [{ node: { version: '1.0.0' } }] },
    });
  });
});

describe('lineageEdgeAdd', () => {
  it('adds an allowed edge with properties, audited, and shows it on both ends', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'distil');
    const teacher = await seedVersion(org, model.id, '1.0.0');
    const student = await seedVersion(org, model.id, '2.0.0');
    const dataset = await seedDataset(org, 'corpus');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeAdd, {
      input: {
        type: 'DERIVED_FROM',
        fromId: globalId('ModelVersion', student.id),
        toId: globalId('ModelVersion', teacher.id),
        properties: { method: 'distillation' },
      },
    });

    // then
    const edge = fieldOf(result, 'lineageEdgeAdd').edge;
    expect(edge).toMatchObject({
      type: 'DERIVED_FROM',
      properties: { method: 'distillation' },
      removedAt: null,
      createdBy: { id: globalId('User', org.userIds.EDITOR) },
      from: { id: globalId('ModelVersion', student.id), __typename: 'ModelVersion' },
      to: { id: globalId('ModelVersion', teacher.id), __typename: 'ModelVersion' },
    });
    expect(await rowCounts(org.orgId)).toEqual({
      ...before,
      edge: before.edge + 1,
      audit_event: before.audit_event + 1,
    });
    const row = await testDb()
      .selectFrom('edge')
      .selectAll()
      .where('id', '=', rowId(edge.id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      type: 'DERIVED_FROM',
      src_id: student.id,
      dst_id: teacher.id,
      properties: '{"method":"distillation"}',
      created_by: org.userIds.EDITOR,
      removed_at: null,
    });
    expect(await auditEvents(org.orgId, { action: 'lineage.edgeAdd' })).toMatchObject([
      { subject_id: student.id, after: { edgeId: row.id, type: 'DERIVED_FROM', toId: teacher.id } },
    ]);
    const view = await gql(org.tokens.VIEWER, VersionEdges, {
      versionId: globalId('ModelVersion', student.id),
      parentId: globalId('ModelVersion', teacher.id),
      datasetId: globalId('Dataset', dataset.id),
      modelId: globalId('Model', model.id),
    });
    expect(fieldOf(view, 'version').derivedFrom).toEqual([
      { id: globalId('ModelVersion', teacher.id) },
    ]);
    expect(fieldOf(view, 'parent').derivatives.edges).toEqual([
      { node: { id: globalId('ModelVersion', student.id) } },
    ]);
  });
});

describe('lineageEdgeRemove', () => {
  it('ends an edge by id: the row stays with removedAt set and the edge leaves every field', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const parent = await seedVersion(org, model.id, '1.0.0');
    const child = await seedVersion(org, model.id, '1.1.0', { derivedFrom: [parent.id] });
    const edgeRow = await testDb()
      .selectFrom('edge')
      .selectAll()
      .where('src_id', '=', child.id)
      .executeTakeFirstOrThrow();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeRemove, {
      input: { edgeId: globalId('GraphEdge', edgeRow.id), reason: 'wrong parent' },
    });

    // then
    expect(fieldOf(result, 'lineageEdgeRemove').edge).toMatchObject({
      id: globalId('GraphEdge', edgeRow.id),
      type: 'DERIVED_FROM',
      removedAt: expect.any(String),
      removedBy: { id: globalId('User', org.userIds.EDITOR) },
    });
    expect(await rowCounts(org.orgId)).toEqual({ ...before, audit_event: before.audit_event + 1 });
    const ended = await testDb()
      .selectFrom('edge')
      .selectAll()
      .where('id', '=', edgeRow.id)
      .executeTakeFirstOrThrow();
    expect(ended.removed_at).not.toBeNull();
    expect(ended.removed_by).toBe(org.userIds.EDITOR);
    expect({ ...ended, removed_at: null, removed_by: null }).toEqual(edgeRow);
    expect(await auditEvents(org.orgId, { action: 'lineage.edgeRemove' })).toMatchObject([
      {
        subject_id: child.id,
        before: { edgeId: edgeRow.id, type: 'DERIVED_FROM', toId: parent.id },
        reason: 'wrong parent',
      },
    ]);
    const dataset = await seedDataset(org, 'unused');
    const view = await gql(org.tokens.VIEWER, VersionEdges, {
      versionId: globalId('ModelVersion', child.id),
      parentId: globalId('ModelVersion', parent.id),
      datasetId: globalId('Dataset', dataset.id),
      modelId: globalId('Model', model.id),
    });
    expect(fieldOf(view, 'version').derivedFrom).toEqual([]);
    expect(fieldOf(view, 'parent').derivatives.edges).toEqual([]);
    const history = fieldOf(
      await gql(org.tokens.VIEWER, GraphEdgeById, { id: globalId('GraphEdge', edgeRow.id) }),
      'node',
    );
    expect(history).toMatchObject({
      type: 'DERIVED_FROM',
      removedAt: expect.any(String),
      removedBy: { id: globalId('User', org.userIds.EDITOR) },
      from: { id: globalId('ModelVersion', child.id) },
      to: { id: globalId('ModelVersion', parent.id) },
    });
  });

  it('ends a TRAINED_ON edge by type and ends: it leaves trainedOn, trainedModels and Model.trainedOn', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const dataset = await seedDataset(org, 'train');
    const parent = await seedVersion(org, model.id, '0.9.0');
    const version = await seedVersion(org, model.id, '1.0.0', {
      trainedOn: [{ datasetId: dataset.id, properties: { split: 'train' } }],
    });
    const ids = {
      versionId: globalId('ModelVersion', version.id),
      parentId: globalId('ModelVersion', parent.id),
      datasetId: globalId('Dataset', dataset.id),
      modelId: globalId('Model', model.id),
    };
    const linked = await gql(org.tokens.VIEWER, VersionEdges, ids);
    expect(fieldOf(linked, 'version').trainedOn.edges).toHaveLength(1);
    expect(fieldOf(linked, 'dataset').trainedModels.edges).toHaveLength(1);
    expect(fieldOf(linked, 'model').trainedOn.edges).toHaveLength(1);

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeRemove, {
      input: { type: 'TRAINED_ON', fromId: ids.versionId, toId: ids.datasetId },
    });

    // then
    expect(fieldOf(result, 'lineageEdgeRemove').edge.type).toBe('TRAINED_ON');
    const rows = await testDb()
      .selectFrom('edge')
      .select(['type', 'removed_at'])
      .where('src_id', '=', version.id)
      .execute();
    expect(rows).toEqual([{ type: 'TRAINED_ON', removed_at: expect.any(String) }]);
    const unlinked = await gql(org.tokens.VIEWER, VersionEdges, ids);
    expect(fieldOf(unlinked, 'version').trainedOn.edges).toEqual([]);
    expect(fieldOf(unlinked, 'dataset').trainedModels.edges).toEqual([]);
    expect(fieldOf(unlinked, 'model').trainedOn.edges).toEqual([]);
  });

  it('refuses to end an edge twice, writing no second audit event', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const parent = await seedVersion(org, model.id, '1.0.0');
    const child = await seedVersion(org, model.id, '1.1.0', { derivedFrom: [parent.id] });
    const edge = await testDb()
      .selectFrom('edge')
      .select('id')
      .where('src_id', '=', child.id)
      .executeTakeFirstOrThrow();
    const input = { edgeId: globalId('GraphEdge', edge.id) };
    fieldOf(await gql(org.tokens.EDITOR, LineageEdgeRemove, { input }), 'lineageEdgeRemove');
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeRemove, { input });

    // then
    expect(fieldOf(result, 'lineageEdgeRemove')).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'edgeId'],
    });
    await expectNothingWritten(org.orgId, before);
  });

  it('lets an ended edge be added again as a new live edge', async () => {
    // given
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const parent = await seedVersion(org, model.id, '1.0.0');
    const child = await seedVersion(org, model.id, '1.1.0', { derivedFrom: [parent.id] });
    const input = {
      type: 'DERIVED_FROM',
      fromId: globalId('ModelVersion', child.id),
      toId: globalId('ModelVersion', parent.id),
    };
    fieldOf(await gql(org.tokens.EDITOR, LineageEdgeRemove, { input }), 'lineageEdgeRemove');

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeAdd, { input });

    // then
    expect(fieldOf(result, 'lineageEdgeAdd').__typename).toBe('LineageEdgePayload');
    const rows = await testDb()
      .selectFrom('edge')
      .select('removed_at')
      .where('src_id', '=', child.id)
      .orderBy('id')
      .execute();
    expect(rows).toEqual([{ removed_at: expect.any(String) }, { removed_at: null }]);
  });

  it('refuses a removal that names neither an edge id nor type and ends, writing nothing', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(org.tokens.EDITOR, LineageEdgeRemove, { input: { reason: 'x' } });

    // then
    expect(fieldOf(result, 'lineageEdgeRemove')).toMatchObject({
      __typename: 'ValidationError',
      path: ['input'],
    });
    await expectNothingWritten(org.orgId, before);
  });
});
