// The npm `mlflow` package (a Node client for MLflow's REST API that others wrote) against the
// Worker, unchanged: only its endpoint and a Bearer header are ours. It logs a small sweep, searches
// it and reads a metric history, as a user's script would.
import mlflowPackage from 'mlflow';
import mlflowEnums from 'mlflow/enum.js';
import { describe, expect, it, vi } from 'vitest';
import { runSweep } from '../../examples/mlflow-sweep.ts';
import { graphql, registryToken, registryUrl } from './registry.ts';

// The package's index.js exports the class itself; its types describe lib/mlflow's ES module.
const MLflow = mlflowPackage as unknown as typeof mlflowPackage.default;
const { RunStatus } = mlflowEnums as unknown as typeof import('mlflow/enum.js');

// The client prints every POST body; keep the test output readable.
vi.spyOn(console, 'log').mockImplementation(() => {});

function client() {
  return new MLflow({
    endpoint: registryUrl(),
    headers: { Authorization: `Bearer ${registryToken()}` },
  });
}

describe('the mlflow npm client', () => {
  it('creates an experiment and runs, logs a sweep, searches and reads history', async () => {
    const { Experiments, Runs, Metrics } = client();
    const name = `sweep-${crypto.randomUUID()}`;
    const { experiment_id } = await Experiments.create({ name, artifact_location: '' });
    const { experiment } = await Experiments.get({ experiment_id });
    expect(experiment.name).toBe(name);
    expect(experiment.artifact_location).toBe(`mlflow-artifacts:/${experiment_id}`);
    const listed = await Experiments.list();
    expect(listed.experiments.map((e: { name: string }) => e.name)).toContain(name);

    const parent = (
      await Runs.create({ experiment_id, start_time: Date.now(), user_id: 'sweeper', tags: [] })
    ).run.info.run_id;
    const trials: string[] = [];
    for (const [index, lr] of ['0.1', '0.01', '0.001'].entries()) {
      const { run } = await Runs.create({
        experiment_id,
        start_time: Date.now(),
        user_id: 'sweeper',
        tags: [{ key: 'mlflow.parentRunId', value: parent }],
      });
      const id = run.info.run_id as string;
      await Runs.logParameter({ run_id: id, key: 'lr', value: lr });
      await Runs.logBatch({
        run_id: id,
        metrics: Array.from({ length: 5 }, (_, step) => ({
          key: 'loss',
          value: (index + 1) / (step + 1),
          timestamp: Date.now(),
          step,
        })),
        params: [{ key: 'batch_size', value: '32' }],
        tags: [{ key: 'trial', value: String(index) }],
      });
      await Runs.logMetric({
        run_id: id,
        key: 'accuracy',
        value: 0.9 - index / 10,
        timestamp: Date.now(),
        step: 0,
      });
      await Runs.setTag({ run_id: id, key: 'stage', value: 'tuning' });
      await Runs.update({ run_id: id, status: RunStatus.FINISHED, end_time: Date.now() });
      trials.push(id);
    }

    const search = (page_token?: string) =>
      Runs.search({
        experiment_ids: [experiment_id],
        filter:
          "metrics.loss < 0.5 and params.batch_size = '32' and attributes.status = 'FINISHED'",
        order_by: ['metrics.loss ASC'],
        max_results: 1,
        page_token,
      });
    const first = await search();
    expect(first.runs.map((run: { info: { run_id: string } }) => run.info.run_id)).toEqual([
      trials[0],
    ]);
    const second = await search(first.next_page_token);
    expect(second.runs.map((run: { info: { run_id: string } }) => run.info.run_id)).toEqual([
      trials[1],
    ]);
    expect(second.next_page_token).toBeUndefined();

    const history = await Metrics.getHistory({ run_id: trials[2] as string, metric_key: 'loss' });
    expect(history.metrics.map((point: { step: number }) => point.step)).toEqual([0, 1, 2, 3, 4]);

    const { run } = await Runs.get({ run_id: trials[0] as string });
    expect(run.data.params).toEqual([
      { key: 'batch_size', value: '32' },
      { key: 'lr', value: '0.1' },
    ]);
    expect(run.data.tags).toEqual(
      expect.arrayContaining([
        { key: 'mlflow.parentRunId', value: parent },
        { key: 'stage', value: 'tuning' },
      ]),
    );
  });

  it('lists a run’s artifacts uploaded through the mlflow-artifacts proxy', async () => {
    const { Experiments, Runs, Artifacts } = client();
    const { experiment_id } = await Experiments.create({
      name: `artifacts-${crypto.randomUUID()}`,
      artifact_location: '',
    });
    const { run } = await Runs.create({
      experiment_id,
      start_time: Date.now(),
      user_id: 'a',
      tags: [],
    });
    // What MLflow's clients do for mlflow-artifacts:/ URIs: PUT the file to the proxy.
    const root = (run.info.artifact_uri as string).replace('mlflow-artifacts:', '');
    const put = await fetch(
      new URL(`/api/2.0/mlflow-artifacts/artifacts${root}/model/MLmodel`, registryUrl()),
      {
        method: 'PUT',
        headers: { Authorization: `Bearer ${registryToken()}` },
        body: 'flavors: {}\n',
      },
    );
    expect(put.status).toBe(200);
    const listed = await Artifacts.list({ run_id: run.info.run_id, path: 'model' });
    expect(listed).toEqual({
      root_uri: run.info.artifact_uri,
      files: [{ path: 'model/MLmodel', is_dir: false, file_size: 12 }],
    });
  });

  it('surfaces MLflow error bodies the client reports', async () => {
    const { Runs, Experiments } = client();
    const { experiment_id } = await Experiments.create({
      name: `errors-${crypto.randomUUID()}`,
      artifact_location: '',
    });
    const { run } = await Runs.create({
      experiment_id,
      start_time: Date.now(),
      user_id: 'sweeper',
      tags: [],
    });
    await Runs.logParameter({ run_id: run.info.run_id, key: 'lr', value: '0.1' });
    await expect(
      Runs.logParameter({ run_id: run.info.run_id, key: 'lr', value: '0.2' }),
    ).rejects.toThrow(/INVALID_PARAMETER_VALUE/);
    await expect(Runs.get({ run_id: 'f'.repeat(32) })).rejects.toThrow(/RESOURCE_DOES_NOT_EXIST/);
    await Runs.delete({ run_id: run.info.run_id });
    const { run: deleted } = await Runs.get({ run_id: run.info.run_id });
    expect(deleted.info.lifecycle_stage).toBe('deleted');
    await Runs.restore({ run_id: run.info.run_id });
  });
});

describe('examples/mlflow-sweep.ts', () => {
  it('logs a sweep, picks the best trial and registers its model', async () => {
    const name = `example-sweep-${crypto.randomUUID()}`;
    const result = await runSweep(registryUrl(), registryToken(), name);
    // lr 0.03 has the lowest floor of the made-up curves: |log10(0.03) + 1.5| / 4 ~ 0.005.
    expect(result.bestLoss).toBeCloseTo(Math.abs(Math.log10(0.03) + 1.5) / 4 + 1 / 20, 6);
    const data = await graphql<{
      model: { aliases: { name: string }[]; versions: { edges: { node: any }[] } };
    }>(
      `query ($name: String!) { model(name: $name) { aliases { name }
        versions { edges { node { version source run { runId } } } } } }`,
      { name },
    );
    // The version is one of our versions, made from the best run (DERIVED_FROM it), in Staging.
    expect(data.model.versions.edges).toEqual([
      {
        node: {
          version: '1',
          source: expect.stringContaining(result.bestRunId),
          run: { runId: result.bestRunId },
        },
      },
    ]);
    expect(data.model.aliases).toEqual([{ name: 'staging' }]);
  });
});
