// A small hyperparameter sweep logged with the npm `mlflow` client, unchanged, against the registry:
// a parent run with one nested trial per learning rate, each logging its params and a loss curve
// through log-batch; then runs/search picks the best trial (checked against GraphQL's bestRun) and
// its model is registered through MLflow's registry endpoints, version 1 made from that run and
// moved to Staging. test/clients/mlflow.client.test.ts runs it. Run against `npm start`:
//   REGISTRY_TOKEN=$(cat .wrangler/local-admin-token) npx node examples/mlflow-sweep.ts
import mlflowPackage from 'mlflow';

// The package's index.js exports the class itself; its types describe lib/mlflow's ES module.
const MLflow = mlflowPackage as unknown as typeof mlflowPackage.default;

export interface SweepResult {
  experimentId: string;
  parentRunId: string;
  bestRunId: string;
  bestLoss: number;
  modelName: string;
  /** The registered version, numbered by MLflow's registry (1). */
  version: string;
}

async function graphql(origin: string, token: string, query: string, variables: unknown) {
  const response = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, Record<string, unknown>> };
  const result = Object.values(body.data ?? {})[0];
  if (!result || typeof result.message === 'string') {
    throw new Error(`GraphQL refused: ${JSON.stringify(body)}`);
  }
  return result;
}

export async function runSweep(origin: string, token: string, name: string): Promise<SweepResult> {
  const { Experiments, Runs } = new MLflow({
    endpoint: origin,
    headers: { Authorization: `Bearer ${token}` },
  });
  const { experiment_id } = await Experiments.create({ name, artifact_location: '' });
  const parent = await Runs.create({ experiment_id, user_id: 'sweep', start_time: Date.now() });
  const parentRunId = parent.run.info.run_id as string;

  for (const lr of [0.3, 0.1, 0.03, 0.01]) {
    const { run } = await Runs.create({
      experiment_id,
      user_id: 'sweep',
      start_time: Date.now(),
      tags: [{ key: 'mlflow.parentRunId', value: parentRunId }],
    });
    // A made-up loss curve whose floor depends on the learning rate (best near 0.03).
    const floor = Math.abs(Math.log10(lr) + 1.5) / 4;
    await Runs.logBatch({
      run_id: run.info.run_id,
      params: [
        { key: 'lr', value: String(lr) },
        { key: 'epochs', value: '20' },
      ],
      metrics: Array.from({ length: 20 }, (_, step) => ({
        key: 'loss',
        value: floor + 1 / (step + 1),
        timestamp: Date.now(),
        step,
      })),
      tags: [],
    });
    await Runs.update({
      run_id: run.info.run_id,
      status: 'FINISHED' as never,
      end_time: Date.now(),
    });
  }
  await Runs.update({ run_id: parentRunId, status: 'FINISHED' as never, end_time: Date.now() });

  const { runs } = await Runs.search({
    experiment_ids: [experiment_id],
    filter: `tags.mlflow.parentRunId = '${parentRunId}' and attributes.status = 'FINISHED'`,
    order_by: ['metrics.loss ASC'],
    max_results: 1,
  });
  const best = runs?.[0];
  if (!best) throw new Error('The sweep logged no finished trial');
  const bestLoss = Number(best.data?.metrics?.find((metric) => metric.key === 'loss')?.value);

  // The same pick through GraphQL: the parent's best nested run by its latest loss.
  const picked = await graphql(
    origin,
    token,
    `query ($id: ID!) { node(id: $id) { ... on Run { bestRun(metric: "loss", mode: MIN) { runId } } } }`,
    { id: btoa(`Run:${parentRunId}`) },
  );
  const graphBest = (picked as { bestRun: { runId: string } | null }).bestRun?.runId;
  if (graphBest !== best.info.run_id) {
    throw new Error(`runs/search picked ${best.info.run_id}, bestRun ${graphBest}`);
  }

  // Registered with MLflow's registry endpoints (the npm client has none): a model version made
  // from the best run, so the registry's lineage walks from the version to the run.
  await registry(origin, token, 'registered-models/create', {
    name,
    description: `Sweep ${parentRunId}`,
    tags: [{ key: 'framework', value: 'pytorch' }],
  });
  const created = await registry(origin, token, 'model-versions/create', {
    name,
    run_id: best.info.run_id,
    source: `${best.info.artifact_uri}/model`,
    description: `Best trial (loss ${bestLoss.toFixed(3)})`,
  });
  const version = (created.model_version as { version: string }).version;
  await registry(origin, token, 'model-versions/transition-stage', {
    name,
    version,
    stage: 'Staging',
  });
  return {
    experimentId: experiment_id,
    parentRunId,
    bestRunId: best.info.run_id,
    bestLoss,
    modelName: name,
    version,
  };
}

async function registry(origin: string, token: string, endpoint: string, body: unknown) {
  const response = await fetch(`${origin}/api/2.0/mlflow/${endpoint}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${endpoint} refused: ${JSON.stringify(answer)}`);
  return answer;
}

if (import.meta.url === `file://${globalThis.process?.argv[1]}`) {
  const origin = globalThis.process?.env.REGISTRY_ORIGIN ?? 'http://localhost:8787';
  const token = globalThis.process?.env.REGISTRY_TOKEN ?? '';
  console.log(await runSweep(origin, token, `sweep-${Date.now()}`));
}
