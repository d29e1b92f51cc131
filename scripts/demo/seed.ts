// Seeding: find the example's models, datasets, deployments, experiment, prices and reviewer by
// name or create them, and track inference requests in batches.
import { gql, type Json, payload } from './client.ts';
import {
  DATASETS,
  EXPERIMENT,
  MODEL_CARD_OWNER,
  MODELS,
  PRICES_EFFECTIVE_FROM,
  PROD_DEPLOYMENT,
  PROD_TRAFFIC,
  REVIEWER,
  STAGING_DEPLOYMENT,
} from './example.ts';
import {
  ApiTokenCreate,
  DatasetRegister,
  DatasetsPage,
  DeploymentCreate,
  DeploymentsPage,
  ExperimentCreate,
  ExperimentsPage,
  InferenceTrack,
  ModelByName,
  ModelRegister,
  ModelVersionCreate,
  PriceSet,
  Prices,
  UsageCounts,
  UserCreate,
  UsersPage,
} from './operations.ts';
import { assert, say, table } from './output.ts';

export const BATCH_SIZE = 500;

export interface Ids {
  models: Record<string, { id: string; versions: Record<string, string> }>;
  datasets: Record<string, string>;
  deployments: Record<string, string>;
  experimentId: string;
}

async function allOf(query: string, field: string): Promise<{ id: string; name: string }[]> {
  const nodes: { id: string; name: string }[] = [];
  let after: string | null = null;
  do {
    const data = await gql(query, { after });
    const connection = data[field];
    for (const edge of connection.edges) nodes.push(edge.node);
    after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
  } while (after);
  return nodes;
}

type Outcome = 'created' | 'reused';
export const registryRows: [string, string, Outcome][] = [];

export async function ensureDatasets(ids: Ids) {
  const existing = new Map((await allOf(DatasetsPage, 'datasets')).map((d) => [d.name, d.id]));
  for (const dataset of DATASETS) {
    const found = existing.get(dataset.name);
    if (found) {
      ids.datasets[dataset.name] = found;
      registryRows.push(['dataset', dataset.name, 'reused']);
      continue;
    }
    const result = payload(
      (await gql(DatasetRegister, { input: dataset })).datasetRegister,
      'DatasetRegisterPayload',
    );
    ids.datasets[dataset.name] = result.dataset.id;
    registryRows.push(['dataset', dataset.name, 'created']);
  }
}

export async function ensureModels(ids: Ids) {
  for (const spec of MODELS) {
    let model = (await gql(ModelByName, { name: spec.name })).model;
    if (model) {
      registryRows.push(['model', spec.name, 'reused']);
    } else {
      model = payload(
        (
          await gql(ModelRegister, {
            input: {
              name: spec.name,
              description: spec.description,
              provider: spec.provider,
              framework: spec.framework,
              modelType: 'llm',
              tags: spec.tags,
              metadata: {
                modelCard: { owner: MODEL_CARD_OWNER },
                providerModel: spec.providerModel,
              },
            },
          })
        ).modelRegister,
        'ModelRegisterPayload',
      ).model;
      model.versions = { edges: [] };
      registryRows.push(['model', spec.name, 'created']);
    }
    const versions: Record<string, string> = {};
    for (const edge of model.versions.edges) versions[edge.node.version] = edge.node.id;
    for (const version of spec.versions) {
      const label = `${spec.name} ${version.version}`;
      if (versions[version.version]) {
        registryRows.push(['version', label, 'reused']);
        continue;
      }
      const link = (entry: { dataset: string; properties: Record<string, unknown> }) => {
        const datasetId = ids.datasets[entry.dataset];
        assert(datasetId, `dataset ${entry.dataset} registered`);
        return { datasetId, properties: entry.properties };
      };
      const created = payload(
        (
          await gql(ModelVersionCreate, {
            input: {
              modelId: model.id,
              version: version.version,
              description: version.description,
              metadata: version.metadata,
              trainedOn: version.trainedOn.map(link),
              evaluatedOn: version.evaluatedOn.map(link),
              derivedFrom: version.derivedFrom ? [versions[version.derivedFrom]] : undefined,
            },
          })
        ).modelVersionCreate,
        'ModelVersionCreatePayload',
      );
      versions[version.version] = created.modelVersion.id;
      registryRows.push(['version', label, 'created']);
    }
    ids.models[spec.name] = { id: model.id, versions };
  }
}

export async function ensureDeploymentsAndExperiment(ids: Ids) {
  const existing = new Map(
    (await allOf(DeploymentsPage, 'deployments')).map((d) => [d.name, d.id]),
  );
  const serving = (share: (name: string) => number) =>
    MODELS.map((spec) => ({
      versionId: ids.models[spec.name]?.versions[spec.servingVersion],
      properties: { trafficShare: share(spec.name) },
    }));
  const deployments = [
    {
      name: PROD_DEPLOYMENT,
      environment: 'production',
      region: 'us-east',
      endpointUrl: 'https://support.example.com/v1/chat',
      description: 'Customer support assistant, live traffic split across the A/B arms',
      modelVersions: serving((name) => PROD_TRAFFIC[name] ?? 0),
    },
    {
      name: STAGING_DEPLOYMENT,
      environment: 'staging',
      region: 'us-east',
      endpointUrl: 'https://support.staging.example.com/v1/chat',
      description: 'Customer support assistant, staging',
      modelVersions: serving(() => 1 / MODELS.length),
    },
  ];
  for (const deployment of deployments) {
    const found = existing.get(deployment.name);
    if (found) {
      ids.deployments[deployment.name] = found;
      registryRows.push(['deployment', deployment.name, 'reused']);
      continue;
    }
    const result = payload(
      (await gql(DeploymentCreate, { input: deployment })).deploymentCreate,
      'DeploymentCreatePayload',
    );
    ids.deployments[deployment.name] = result.deployment.id;
    registryRows.push(['deployment', deployment.name, 'created']);
  }

  const experiments = new Map(
    (await allOf(ExperimentsPage, 'experiments')).map((e) => [e.name, e.id]),
  );
  const found = experiments.get(EXPERIMENT);
  if (found) {
    ids.experimentId = found;
    registryRows.push(['experiment', EXPERIMENT, 'reused']);
  } else {
    const result = payload(
      (
        await gql(ExperimentCreate, {
          input: {
            name: EXPERIMENT,
            description: 'Which LLM should answer customer support chats?',
            metadata: {
              hypothesis: 'A cheaper model keeps quality within 2 points',
              owner: MODEL_CARD_OWNER,
            },
          },
        })
      ).experimentCreate,
      'ExperimentCreatePayload',
    );
    ids.experimentId = result.experiment.id;
    registryRows.push(['experiment', EXPERIMENT, 'created']);
  }
}

export async function ensurePrices() {
  const rows: (string | number)[][] = [];
  for (const spec of MODELS) {
    const existing = (await gql(Prices, { provider: spec.provider })).prices.edges.map(
      (edge: Json) => edge.node,
    );
    const already = existing.some(
      (price: Json) =>
        price.modelPattern === spec.providerModel &&
        Date.parse(price.effectiveFrom) === Date.parse(PRICES_EFFECTIVE_FROM),
    );
    if (!already) {
      payload(
        (
          await gql(PriceSet, {
            input: {
              provider: spec.provider,
              modelPattern: spec.providerModel,
              inputPerMillion: spec.price.inputPerMillion,
              outputPerMillion: spec.price.outputPerMillion,
              effectiveFrom: PRICES_EFFECTIVE_FROM,
            },
          })
        ).priceSet,
        'PriceSetPayload',
      );
    }
    rows.push([
      spec.provider,
      spec.providerModel,
      `$${spec.price.inputPerMillion}`,
      `$${spec.price.outputPerMillion}`,
      already ? 'reused' : 'created',
    ]);
  }
  table(['provider', 'model', 'input / 1M', 'output / 1M', 'price entry'], rows);
}

export async function requestCounts(ids: Ids, from: string): Promise<Map<string, number>> {
  const modelIds = MODELS.map((spec) => ids.models[spec.name]?.id);
  const data = await gql(UsageCounts, { ids: modelIds, from });
  return new Map(data.nodes.map((node: Json) => [node.name, node.usage.requests]));
}

interface TrackingOutcome {
  sent: number;
  recorded: number;
  deduplicated: number;
  unpriced: number;
}

export async function track(requests: Record<string, unknown>[]): Promise<TrackingOutcome> {
  const outcome = { sent: 0, recorded: 0, deduplicated: 0, unpriced: 0 };
  for (let start = 0; start < requests.length; start += BATCH_SIZE) {
    const batch = requests.slice(start, start + BATCH_SIZE);
    const result = payload(
      (await gql(InferenceTrack, { input: { requests: batch } })).inferenceTrack,
      'InferenceTrackPayload',
    );
    outcome.sent += batch.length;
    outcome.recorded += result.recorded;
    outcome.unpriced += result.unpriced;
    outcome.deduplicated += result.tracked.filter((t: Json) => t.deduplicated).length;
  }
  return outcome;
}

export async function ensureReviewer(): Promise<{
  userId: string;
  token: string;
  tokenId: string;
}> {
  const users = await (async () => {
    const found: Json[] = [];
    let after: string | null = null;
    do {
      const connection: Json = (await gql(UsersPage, { after })).users;
      for (const edge of connection.edges) found.push(edge.node);
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    } while (after);
    return found;
  })();
  let user = users.find((u) => u.email === REVIEWER.email);
  if (user) {
    assert(user.role === 'REVIEWER' || user.role === 'ADMIN', `${REVIEWER.email} may review`);
    say(`   Reviewer: ${user.name} <${REVIEWER.email}> (reused)`);
  } else {
    user = payload(
      (await gql(UserCreate, { input: { ...REVIEWER, role: 'REVIEWER' } })).userCreate,
      'UserCreatePayload',
    ).user;
    say(`   Reviewer: ${user.name} <${REVIEWER.email}> (created, role REVIEWER)`);
  }
  // A short-lived token for this run; revoked at the end of the governance step.
  const created = payload(
    (
      await gql(ApiTokenCreate, {
        input: {
          userId: user.id,
          name: `demo ${new Date().toISOString()}`,
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      })
    ).apiTokenCreate,
    'ApiTokenCreatePayload',
  );
  return { userId: user.id, token: created.token, tokenId: created.apiToken.id };
}
