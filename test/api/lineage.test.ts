// The REST lineage routes through the Worker's fetch: datasets, deployments, lineage, its picture
// and impact, with the rows written (or not) and the same answers as GraphQL.
import { describe, expect, it } from 'vitest';
import {
  globalId,
  rowId,
  seedDataset,
  seedDeployment,
  seedModel,
  seedVersion,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg, testDb } from '../helpers/graphql.ts';
import { type ApiErrorBody, api } from './api-client.ts';
import { apiRowCounts, expectApiNothingWritten } from './api-fixtures.ts';

/** A model whose version 1.0.0 is trained on a dataset and deployed to production. */
async function seedLineage(org: TestOrg, name = 'gpt-4-turbo') {
  const model = await seedModel(org, name);
  const dataset = await seedDataset(org, `${name}-corpus`);
  const version = await seedVersion(org, model.id, '1.0.0', {
    trainedOn: [{ datasetId: dataset.id, properties: { split: 'train' } }],
  });
  const deployment = await seedDeployment(org, `${name}-prod`, [{ versionId: version.id }]);
  return { model, dataset, version, deployment };
}

describe('POST /api/lineage/datasets', () => {
  it('registers a dataset with its GDPR declaration, as GraphQL then reads it', async () => {
    const org = await createTestOrg();
    const response = await api(org.tokens.EDITOR, 'POST', '/api/lineage/datasets', {
      name: 'support-tickets',
      uri: 'r2://datasets/support-tickets',
      format: 'jsonl',
      governance: {
        contains_personal_data: true,
        lawful_basis: 'legitimate_interests',
        retention_days: 365,
        columns: [{ name: 'email', sample_values: ['a@example.com'] }],
      },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ name: 'support-tickets', format: 'jsonl' });
    const governance = await testDb()
      .selectFrom('dataset_governance')
      .selectAll()
      .where('dataset_id', '=', rowId(response.body.id))
      .executeTakeFirstOrThrow();
    expect(governance).toMatchObject({
      org_id: org.orgId,
      contains_personal_data: 1,
      lawful_basis: 'LEGITIMATE_INTERESTS',
      retention_days: 365,
    });
    const viaGraphql = await gql(
      org.tokens.VIEWER,
      'query($id: ID!) { node(id: $id) { ... on Dataset { name uri } } }',
      { id: response.body.id },
    );
    expect(viaGraphql.data?.node).toEqual({
      name: 'support-tickets',
      uri: 'r2://datasets/support-tickets',
    });
  });

  it.each([
    ['a missing name', { uri: 'x' }, 400, ['body', 'name']],
    [
      'a lawful basis that is not one',
      { name: 'd', governance: { contains_personal_data: true, lawful_basis: 'because' } },
      400,
      ['body', 'governance', 'lawful_basis'],
    ],
    [
      'a retention of zero days (a service rule)',
      { name: 'd', governance: { contains_personal_data: false, retention_days: 0 } },
      400,
      ['body', 'governance', 'retention_days'],
    ],
    ['an existing name', { name: 'taken' }, 409, ['body', 'name']],
  ])('answers %s with %s on the field and writes nothing', async (_name, body, status, path) => {
    const org = await createTestOrg();
    await seedDataset(org, 'taken');
    const before = await apiRowCounts(org.orgId);
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      '/api/lineage/datasets',
      body,
    );
    expect(response.status).toBe(status);
    expect(response.body.error.path).toEqual(path);
    await expectApiNothingWritten(org.orgId, before);
  });

  it('answers a VIEWER with 403 and writes nothing', async () => {
    const org = await createTestOrg();
    const before = await apiRowCounts(org.orgId);
    const response = await api<ApiErrorBody>(org.tokens.VIEWER, 'POST', '/api/lineage/datasets', {
      name: 'd',
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('FORBIDDEN');
    await expectApiNothingWritten(org.orgId, before);
  });
});

describe('POST /api/lineage/deployments', () => {
  it('creates a deployment and its DEPLOYED_TO edge with properties, in one batch', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'claude');
    const version = await seedVersion(org, model.id, '1.0.0');
    const response = await api(org.tokens.EDITOR, 'POST', '/api/lineage/deployments', {
      name: 'claude-canary',
      environment: 'Canary',
      endpoint_url: 'https://llm.example.com/claude',
      model_versions: [
        { version_id: globalId('ModelVersion', version.id), properties: { traffic_share: 0.1 } },
      ],
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name: 'claude-canary',
      environment: 'canary',
      endpoint_url: 'https://llm.example.com/claude',
    });
    const edge = await testDb()
      .selectFrom('edge')
      .selectAll()
      .where('type', '=', 'DEPLOYED_TO')
      .where('dst_id', '=', rowId(response.body.id))
      .executeTakeFirstOrThrow();
    expect(edge).toMatchObject({ src_id: version.id, org_id: org.orgId });
    expect(JSON.parse(edge.properties ?? 'null')).toEqual({ traffic_share: 0.1 });
  });

  it('answers an unknown, another organization’s or wrong-kind version with 404 on its field and writes nothing', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const foreignModel = await seedModel(other, 'foreign');
    const foreign = await seedVersion(other, foreignModel.id, '1.0.0');
    const before = await apiRowCounts(org.orgId);
    for (const versionId of [
      unknownId('ModelVersion'),
      globalId('ModelVersion', foreign.id),
      globalId('Model', foreignModel.id),
    ]) {
      const response = await api<ApiErrorBody>(
        org.tokens.EDITOR,
        'POST',
        '/api/lineage/deployments',
        {
          name: 'd',
          environment: 'production',
          model_versions: [{ version_id: versionId }],
        },
      );
      expect(response.status, versionId).toBe(404);
      expect(response.body.error).toMatchObject({
        code: 'NOT_FOUND',
        path: ['body', 'model_versions', '0', 'version_id'],
      });
    }
    await expectApiNothingWritten(org.orgId, before);
  });

  it.each([
    [
      'an environment that is not a slug',
      { name: 'd', environment: 'prod env!' },
      ['body', 'environment'],
    ],
    ['a missing environment', { name: 'd' }, ['body', 'environment']],
    [
      'properties that are not an object',
      { name: 'd', environment: 'x', model_versions: [{ version_id: 'v', properties: 3 }] },
      ['body', 'model_versions', '0', 'properties'],
    ],
  ])('answers %s with 400 on the field and writes nothing', async (_name, body, path) => {
    const org = await createTestOrg();
    const before = await apiRowCounts(org.orgId);
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      '/api/lineage/deployments',
      body,
    );
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path });
    await expectApiNothingWritten(org.orgId, before);
  });
});

describe('GET /api/lineage/:modelId', () => {
  it('returns the model’s lineage both ways, the same nodes GraphQL walks', async () => {
    const org = await createTestOrg();
    const { model, dataset, version, deployment } = await seedLineage(org);
    const id = globalId('Model', model.id);
    const response = await api(org.tokens.VIEWER, 'GET', `/api/lineage/${id}`);
    expect(response.status).toBe(200);
    expect(response.body.model).toMatchObject({ id, name: 'gpt-4-turbo' });
    const nodeIds = response.body.nodes.map((node: { id: string }) => node.id);
    expect(nodeIds).toEqual(
      expect.arrayContaining([
        id,
        globalId('ModelVersion', version.id),
        globalId('Dataset', dataset.id),
        globalId('Deployment', deployment.id),
      ]),
    );
    expect(response.body.edges.map((edge: { type: string }) => edge.type).sort()).toEqual([
      'DEPLOYED_TO',
      'TRAINED_ON',
    ]);
    const trained = response.body.edges.find(
      (edge: { type: string }) => edge.type === 'TRAINED_ON',
    );
    expect(trained).toMatchObject({
      source: globalId('ModelVersion', version.id),
      target: globalId('Dataset', dataset.id),
      properties: { split: 'train' },
    });
    const viaGraphql = await gql(
      org.tokens.VIEWER,
      'query($id: ID!) { model(id: $id) { lineage { totalNodes totalEdges nodes { id } } } }',
      { id },
    );
    const lineage = viaGraphql.data?.model.lineage;
    expect(lineage.totalNodes).toBe(response.body.nodes.length);
    expect(lineage.totalEdges).toBe(response.body.edges.length);
    expect(lineage.nodes.map((node: { id: string }) => node.id)).toEqual(nodeIds);

    const upstream = await api(org.tokens.VIEWER, 'GET', `/api/lineage/${id}?direction=upstream`);
    expect(upstream.body.edges.map((edge: { type: string }) => edge.type)).toEqual(['TRAINED_ON']);
    const onlyDeployed = await api(
      org.tokens.VIEWER,
      'GET',
      `/api/lineage/${id}?edge_types=deployed_to`,
    );
    expect(onlyDeployed.body.edges.map((edge: { type: string }) => edge.type)).toEqual([
      'DEPLOYED_TO',
    ]);
  });

  it('answers an unknown, malformed or other organization’s model with 404 on params.modelId', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const foreign = await seedModel(other, 'foreign');
    for (const id of [unknownId('Model'), 'not-an-id', globalId('Model', foreign.id)]) {
      for (const suffix of ['', '/graph', '/impact']) {
        const response = await api<ApiErrorBody>(
          org.tokens.VIEWER,
          'GET',
          `/api/lineage/${id}${suffix}`,
        );
        expect(response.status, `${id}${suffix}`).toBe(404);
        expect(response.body.error).toMatchObject({
          code: 'NOT_FOUND',
          path: ['params', 'modelId'],
        });
      }
    }
  });

  it.each([
    ['direction=sideways', ['query', 'direction']],
    ['edge_types=TRAINED_ON,LIKES', ['query', 'edge_types', '1']],
    ['max_depth=-1', ['query', 'max_depth']],
    ['max_depth=deep', ['query', 'max_depth']],
  ])('answers ?%s with 400 on the parameter', async (query, path) => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const response = await api<ApiErrorBody>(
      org.tokens.VIEWER,
      'GET',
      `/api/lineage/${globalId('Model', model.id)}?${query}`,
    );
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path });
  });
});

describe('GET /api/lineage/:modelId/graph', () => {
  it('labels every node (name, or model@version) for drawing', async () => {
    const org = await createTestOrg();
    const { model, version, dataset, deployment } = await seedLineage(org, 'llama');
    const response = await api(
      org.tokens.VIEWER,
      'GET',
      `/api/lineage/${globalId('Model', model.id)}/graph`,
    );
    expect(response.status).toBe(200);
    const labels = Object.fromEntries(
      response.body.nodes.map((node: { id: string; label: string }) => [node.id, node.label]),
    );
    expect(labels).toMatchObject({
      [globalId('Model', model.id)]: 'llama',
      [globalId('ModelVersion', version.id)]: 'llama@1.0.0',
      [globalId('Dataset', dataset.id)]: 'llama-corpus',
      [globalId('Deployment', deployment.id)]: 'llama-prod',
    });
    expect(response.body.edges).toHaveLength(2);
    expect(response.body.is_truncated).toBe(false);
    const depthOne = await api(
      org.tokens.VIEWER,
      'GET',
      `/api/lineage/${globalId('Model', model.id)}/graph?max_depth=0`,
    );
    expect(depthOne.body.edges).toHaveLength(0);
    expect(depthOne.body.is_truncated).toBe(true);
  });

  it('documents the compact shape in OpenAPI: edge tuples, their legend and edge_details', async () => {
    const { body: document } = await api(null, 'GET', '/api/openapi.json');
    const operation = document.paths['/api/lineage/{modelId}/graph'].get;
    const schema = operation.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['nodes', 'edges', 'edge_columns', 'edge_types', 'page_info']),
    );
    const tuples = schema.properties.edges.items.anyOf;
    expect(tuples.map((tuple: { prefixItems: unknown[] }) => tuple.prefixItems.length)).toEqual([
      4, 7,
    ]);
    expect(schema.properties.nodes.items.properties.on_other_page).toMatchObject({ const: true });
    expect(operation.parameters.map((p: { name: string }) => p.name)).toContain('edge_details');
  });
});

describe('GET /api/lineage/:modelId/impact', () => {
  it('lists the affected deployments with their path and who to tell, as GraphQL impact does', async () => {
    const org = await createTestOrg();
    const { model, version, deployment } = await seedLineage(org, 'impacted');
    const id = globalId('Model', model.id);
    const response = await api(org.tokens.VIEWER, 'GET', `/api/lineage/${id}/impact`);
    expect(response.status).toBe(200);
    expect(response.body.affected_deployments).toEqual([
      expect.objectContaining({
        deployment_id: globalId('Deployment', deployment.id),
        environment: 'production',
        path: [
          expect.objectContaining({
            type: 'DEPLOYED_TO',
            source: globalId('ModelVersion', version.id),
          }),
        ],
      }),
    ]);
    expect(response.body.owner_ids).toEqual([globalId('User', org.userIds.EDITOR)]);
    // The path's edges carry what the walk does not read itself: creation time and properties.
    const [step] = response.body.affected_deployments[0].path;
    const stored = await testDb()
      .selectFrom('edge')
      .select(['created_at', 'properties'])
      .where('id', '=', rowId(step.id))
      .executeTakeFirstOrThrow();
    expect(step.created_at).toBe(new Date(stored.created_at).toISOString());
    expect(step.properties).toEqual(stored.properties ? JSON.parse(stored.properties) : null);
    const viaGraphql = await gql(
      org.tokens.VIEWER,
      'query($id: ID!) { impact(of: $id) { affectedDeployments { deployment { id } } owners { id } } }',
      { id },
    );
    expect(
      viaGraphql.data?.impact.affectedDeployments.map(
        (d: { deployment: { id: string } }) => d.deployment.id,
      ),
    ).toEqual(
      response.body.affected_deployments.map((d: { deployment_id: string }) => d.deployment_id),
    );
    expect(viaGraphql.data?.impact.owners.map((o: { id: string }) => o.id)).toEqual(
      response.body.owner_ids,
    );
  });
});
