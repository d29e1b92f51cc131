// MLflow's runs/log-inputs and a version made from a run: the datasets a run used become our
// datasets with TRAINED_ON / EVALUATED_ON edges from the run, the version DERIVED_FROM the run,
// so impact and lineage walk dataset -> run -> version.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { fieldOf, globalId, rowCounts, seedDataset, seedModel } from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import { mlflow } from './mlflow-client.ts';

async function experimentAndRun(org: TestOrg) {
  const experiment = await mlflow(org.tokens.EDITOR, 'POST', 'experiments/create', {
    name: `inputs-${crypto.randomUUID()}`,
  });
  const run = await mlflow(org.tokens.EDITOR, 'POST', 'runs/create', {
    experiment_id: experiment.body.experiment_id,
  });
  return {
    experimentId: experiment.body.experiment_id as string,
    runId: run.body.run.info.run_id as string,
  };
}

function datasetInput(name: string, digest: string, context?: string) {
  return {
    tags: context ? [{ key: 'mlflow.data.context', value: context }] : [],
    dataset: {
      name,
      digest,
      source_type: 'http',
      source: JSON.stringify({ url: `https://data.example/${name}.parquet` }),
      schema: '{"mlflow_colspec": [{"type": "string", "name": "text"}]}',
    },
  };
}

async function runEdges(runId: string) {
  const { results } = await env.DB.prepare(
    'SELECT type, dst_id, dst_kind, properties FROM edge WHERE src_id = ? AND removed_at IS NULL ORDER BY type',
  )
    .bind(runId)
    .all<{ type: string; dst_id: string; dst_kind: string; properties: string }>();
  return results;
}

describe('runs/log-inputs', () => {
  it('registers or links datasets by name, with one edge each, once', async () => {
    const org = await createTestOrg('mlflow-inputs');
    const existing = await seedDataset(org, 'tickets-2026');
    const { runId } = await experimentAndRun(org);

    const logged = await mlflow(org.tokens.EDITOR, 'POST', 'runs/log-inputs', {
      run_id: runId,
      datasets: [
        datasetInput('tickets-2026', 'abc123', 'training'),
        datasetInput('tickets-holdout', 'def456', 'eval'),
      ],
    });
    expect(logged).toMatchObject({ status: 200, body: {} });
    // Logged again: nothing new.
    await mlflow(org.tokens.EDITOR, 'POST', 'runs/log-inputs', {
      run_id: runId,
      datasets: [datasetInput('tickets-2026', 'abc123', 'training')],
    });

    const edges = await runEdges(runId);
    expect(edges.map((edge) => [edge.type, edge.dst_kind])).toEqual([
      ['EVALUATED_ON', 'Dataset'],
      ['TRAINED_ON', 'Dataset'],
    ]);
    expect(edges[1]?.dst_id).toBe(existing.id);
    expect(JSON.parse(edges[1]?.properties as string)).toEqual({
      digest: 'abc123',
      context: 'training',
    });
    const holdout = await env.DB.prepare('SELECT * FROM dataset WHERE org_id = ? AND name = ?')
      .bind(org.orgId, 'tickets-holdout')
      .first<{ id: string; uri: string }>();
    expect(holdout?.uri).toBe('https://data.example/tickets-holdout.parquet');
    expect(edges[0]?.dst_id).toBe(holdout?.id);

    const got = await mlflow(org.tokens.VIEWER, 'GET', 'runs/get', { run_id: runId });
    expect(got.body.run.inputs.dataset_inputs).toEqual([
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: expect.objectContaining({ name: 'tickets-2026', digest: 'abc123' }),
      },
      {
        tags: [{ key: 'mlflow.data.context', value: 'eval' }],
        dataset: expect.objectContaining({
          name: 'tickets-holdout',
          digest: 'def456',
          source_type: 'http',
        }),
      },
    ]);

    const Inputs = `query ($id: ID!) { node(id: $id) { ... on Run {
      inputs { dataset { name } digest context sourceType tags } } } }`;
    const inputs = fieldOf(
      await gql(org.tokens.VIEWER, Inputs, { id: globalId('Run', runId) }),
      'node',
    ).inputs;
    expect(inputs).toEqual([
      {
        dataset: { name: 'tickets-2026' },
        digest: 'abc123',
        context: 'training',
        sourceType: 'http',
        tags: { 'mlflow.data.context': 'training' },
      },
      {
        dataset: { name: 'tickets-holdout' },
        digest: 'def456',
        context: 'eval',
        sourceType: 'http',
        tags: { 'mlflow.data.context': 'eval' },
      },
    ]);
  });

  it('refuses bad inputs whole, writing nothing', async () => {
    const org = await createTestOrg('mlflow-inputs-bad');
    const other = await createTestOrg('mlflow-inputs-other');
    const { runId } = await experimentAndRun(org);
    const before = await rowCounts(org.orgId);
    const cases: [Record<string, unknown>, string][] = [
      [{ datasets: [datasetInput('ok', 'd1'), datasetInput('bad', 'x'.repeat(37))] }, 'digest'],
      [
        { datasets: [{ dataset: { name: 'no-digest', source_type: 'http', source: '{}' } }] },
        'digest',
      ],
      [{ datasets: [{ dataset: { digest: 'd', source_type: 'http', source: '{}' } }] }, 'name'],
      [
        { datasets: [{ dataset: { name: 7, digest: 'd', source_type: 'http', source: '{}' } }] },
        'name',
      ],
      [
        {
          datasets: [
            { ...datasetInput('tagged', 'd'), tags: [{ key: 'k', value: 'v'.repeat(501) }] },
          ],
        },
        'value',
      ],
      [
        { datasets: Array.from({ length: 101 }, (_, i) => datasetInput(`d${i}`, 'd')) },
        'at most 100',
      ],
    ];
    for (const [body, reason] of cases) {
      const refused = await mlflow(org.tokens.EDITOR, 'POST', 'runs/log-inputs', {
        run_id: runId,
        ...body,
      });
      expect(refused.status, JSON.stringify(refused.body)).toBe(400);
      expect(refused.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(refused.body.message).toContain(reason);
    }
    const foreign = await mlflow(other.tokens.EDITOR, 'POST', 'runs/log-inputs', {
      run_id: runId,
      datasets: [datasetInput('theirs', 'd')],
    });
    expect(foreign.status).toBe(404);
    const viewer = await mlflow(org.tokens.VIEWER, 'POST', 'runs/log-inputs', {
      run_id: runId,
      datasets: [datasetInput('mine', 'd')],
    });
    expect(viewer.status).toBe(403);
    expect(await rowCounts(org.orgId)).toEqual(before);
    expect(await runEdges(runId)).toEqual([]);
  });

  it('walks dataset -> run -> version in impact and lineage', async () => {
    const org = await createTestOrg('mlflow-inputs-walk');
    const { runId } = await experimentAndRun(org);
    await mlflow(org.tokens.EDITOR, 'POST', 'runs/log-inputs', {
      run_id: runId,
      datasets: [datasetInput('support-tickets', 'abc', 'train')],
    });
    const model = await seedModel(org, 'triage');
    const Create = `mutation ($input: ModelVersionCreateInput!) { modelVersionCreate(input: $input) {
      __typename ... on Error { message } ... on NotFoundError { path }
      ... on ModelVersionCreatePayload { modelVersion { id source run { runId modelVersions { edges { node { version } } } } } } } }`;
    const created = fieldOf(
      await gql(org.tokens.EDITOR, Create, {
        input: {
          modelId: globalId('Model', model.id),
          version: '1.0.0',
          runId: globalId('Run', runId),
          source: `mlflow-artifacts:/x/${runId}/artifacts/model`,
        },
      }),
      'modelVersionCreate',
    );
    expect(created.modelVersion.run.runId).toBe(runId);
    expect(created.modelVersion.source).toContain(runId);
    expect(created.modelVersion.run.modelVersions.edges).toEqual([{ node: { version: '1.0.0' } }]);

    const dataset = await env.DB.prepare('SELECT id FROM dataset WHERE org_id = ? AND name = ?')
      .bind(org.orgId, 'support-tickets')
      .first<{ id: string }>();
    const Impact = `query ($of: ID!) { impact(of: $of) { affectedModelVersions { id } } }`;
    const impact = fieldOf(
      await gql(org.tokens.VIEWER, Impact, { of: globalId('Dataset', dataset?.id as string) }),
      'impact',
    );
    expect(impact.affectedModelVersions).toEqual([{ id: created.modelVersion.id }]);

    const Lineage = `query ($id: ID!) { node(id: $id) { ... on ModelVersion {
      lineage { nodes { __typename } } } } }`;
    const lineage = fieldOf(
      await gql(org.tokens.VIEWER, Lineage, { id: created.modelVersion.id }),
      'node',
    ).lineage;
    const kinds = lineage.nodes.map((node: any) => node.__typename).sort();
    expect(kinds).toEqual(['Dataset', 'ModelVersion', 'Run']);

    // Another organization's run, or an unknown one, is not found; nothing is created.
    const other = await createTestOrg('mlflow-inputs-walk-other');
    const otherModel = await seedModel(other, 'triage');
    const refused = fieldOf(
      await gql(other.tokens.EDITOR, Create, {
        input: {
          modelId: globalId('Model', otherModel.id),
          version: '1.0.0',
          runId: globalId('Run', runId),
        },
      }),
      'modelVersionCreate',
    );
    expect(refused).toMatchObject({ __typename: 'NotFoundError', path: ['input', 'runId'] });
  });
});
