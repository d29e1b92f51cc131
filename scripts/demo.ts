// `npm run demo`: the original example lifecycle, run through the public GraphQL API of a running
// registry (`npm start` in another terminal). Registers three LLMs with their versions, datasets
// and deployments, tracks a few thousand inference requests, compares the models (A/B), computes
// ROI, takes the winner through approval and compliance checks to production, and prints its
// lineage graph.
//
// Idempotent: a second run finds the models, datasets, deployments, experiment and reviewer by
// name and reuses them, and the requests carry idempotency keys, so nothing is recorded twice
// (the run asserts it and prints the counts). The traffic comes from a seeded PRNG, so two runs
// on the same day send identical requests.
//
//   npm run demo                 # against http://127.0.0.1:8787 with .wrangler/local-admin-token
//   DEMO_URL=... DEMO_TOKEN=... npm run demo
//   npm run demo -- --check      # quiet: one line per step, then re-sends every request and
//                                # asserts nothing was recorded twice; exits 1 on any failure
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

const BASE_URL = (process.env.DEMO_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
const TOKEN_FILE = '.wrangler/local-admin-token';
const CHECK = process.argv.includes('--check');
const SEED = 20_240_409;
const REQUESTS_PER_MODEL = 1_200;
const BATCH_SIZE = 500;
const DAYS_OF_TRAFFIC = 14;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// The example: three models, their datasets, deployments and traffic profiles

interface TrafficProfile {
  /** Median latency (ms) of a log-normal distribution, and its sigma. */
  latencyMedianMs: number;
  latencySigma: number;
  inputTokensMean: number;
  outputTokensMean: number;
  qualityMean: number;
  qualitySd: number;
  errorRate: number;
}

interface VersionSpec {
  version: string;
  description: string;
  metadata: Record<string, unknown>;
  trainedOn: { dataset: string; properties: Record<string, unknown> }[];
  evaluatedOn: { dataset: string; properties: Record<string, unknown> }[];
  derivedFrom?: string;
}

interface ModelSpec {
  name: string;
  description: string;
  provider: string;
  providerModel: string;
  framework: string;
  tags: string[];
  price: { inputPerMillion: number; outputPerMillion: number };
  versions: VersionSpec[];
  /** The version that serves the traffic. */
  servingVersion: string;
  traffic: TrafficProfile;
}

const EVALUATIONS = [
  { dataset: 'support-eval-golden-500', properties: { split: 'test', rows: 500 } },
  { dataset: 'safety-redteam-prompts', properties: { split: 'test', rows: 1_200 } },
];

const MODELS: ModelSpec[] = [
  {
    name: 'gpt-4-turbo',
    description: 'OpenAI GPT-4 Turbo behind the customer support assistant (incumbent)',
    provider: 'openai',
    providerModel: 'gpt-4-turbo-2024-04-09',
    framework: 'openai-api',
    tags: ['llm', 'chat', 'support'],
    price: { inputPerMillion: 10, outputPerMillion: 30 },
    versions: [
      {
        version: '2024.4.9',
        description: 'gpt-4-turbo-2024-04-09 with the support system prompt and few-shot examples',
        metadata: { providerModel: 'gpt-4-turbo-2024-04-09', contextWindow: 128_000 },
        trainedOn: [
          {
            dataset: 'support-conversations-2026q3',
            properties: { split: 'train', rows: 2_000, use: 'few-shot exemplars' },
          },
        ],
        evaluatedOn: EVALUATIONS,
      },
    ],
    servingVersion: '2024.4.9',
    traffic: {
      latencyMedianMs: 1_850,
      latencySigma: 0.35,
      inputTokensMean: 1_150,
      outputTokensMean: 320,
      qualityMean: 0.84,
      qualitySd: 0.09,
      errorRate: 0.012,
    },
  },
  {
    name: 'claude-3.5-sonnet',
    description: 'Anthropic Claude 3.5 Sonnet, challenger for the customer support assistant',
    provider: 'anthropic',
    providerModel: 'claude-3-5-sonnet-20240620',
    framework: 'anthropic-api',
    tags: ['llm', 'chat', 'support'],
    price: { inputPerMillion: 3, outputPerMillion: 15 },
    versions: [
      {
        version: '2024.6.20',
        description: 'claude-3-5-sonnet-20240620 with the support system prompt',
        metadata: { providerModel: 'claude-3-5-sonnet-20240620', contextWindow: 200_000 },
        trainedOn: [
          {
            dataset: 'support-conversations-2026q3',
            properties: { split: 'train', rows: 2_000, use: 'few-shot exemplars' },
          },
        ],
        evaluatedOn: EVALUATIONS,
      },
    ],
    servingVersion: '2024.6.20',
    traffic: {
      latencyMedianMs: 1_400,
      latencySigma: 0.3,
      inputTokensMean: 1_150,
      outputTokensMean: 340,
      qualityMean: 0.88,
      qualitySd: 0.08,
      errorRate: 0.008,
    },
  },
  {
    name: 'llama-3.1-70b',
    description: 'Meta Llama 3.1 70B Instruct, fine-tuned in house and served on our own GPUs',
    provider: 'self-hosted',
    providerModel: 'llama-3.1-70b-support',
    framework: 'vllm',
    tags: ['llm', 'chat', 'support', 'open-weights'],
    price: { inputPerMillion: 0.6, outputPerMillion: 0.8 },
    versions: [
      {
        version: '1.0.0',
        description: 'meta-llama/Llama-3.1-70B-Instruct base weights',
        metadata: { baseModel: 'meta-llama/Llama-3.1-70B-Instruct', license: 'llama3.1' },
        trainedOn: [],
        evaluatedOn: [EVALUATIONS[0] as VersionSpec['evaluatedOn'][number]],
      },
      {
        version: '1.1.0',
        description: 'LoRA fine-tune on the Q3 support conversations',
        metadata: { method: 'lora', rank: 16, epochs: 3, learningRate: 0.0002 },
        trainedOn: [
          {
            dataset: 'support-conversations-2026q3',
            properties: { split: 'train', rows: 43_200, validationRows: 4_800 },
          },
        ],
        evaluatedOn: EVALUATIONS,
        derivedFrom: '1.0.0',
      },
    ],
    servingVersion: '1.1.0',
    traffic: {
      latencyMedianMs: 720,
      latencySigma: 0.4,
      inputTokensMean: 1_150,
      outputTokensMean: 300,
      qualityMean: 0.8,
      qualitySd: 0.11,
      errorRate: 0.025,
    },
  },
];

const DATASETS = [
  {
    name: 'support-conversations-2026q3',
    description: 'Resolved support conversations, July to September 2026, pseudonymised',
    uri: 'r2://datasets/support-conversations-2026q3.parquet',
    format: 'parquet',
    metadata: { rows: 48_000, sizeBytes: 184_549_376 },
    governance: {
      containsPersonalData: true,
      lawfulBasis: 'LEGITIMATE_INTERESTS',
      retentionDays: 365,
      columns: [
        { name: 'customer_email', sampleValues: ['ana@example.com'] },
        { name: 'transcript', sampleValues: ['My order arrived damaged, can I get a refund?'] },
      ],
    },
  },
  {
    name: 'support-eval-golden-500',
    description: 'Hand-graded support questions with reference answers',
    uri: 'r2://datasets/support-eval-golden-500.jsonl',
    format: 'jsonl',
    metadata: { rows: 500, sizeBytes: 1_048_576 },
    governance: {
      containsPersonalData: false,
      columns: [
        { name: 'question', sampleValues: ['How do I reset my password?'] },
        { name: 'reference_answer', sampleValues: ['Use the "Forgot password" link.'] },
      ],
    },
  },
  {
    name: 'safety-redteam-prompts',
    description: 'Adversarial prompts: jailbreaks, prompt injection, data exfiltration',
    uri: 'r2://datasets/safety-redteam-prompts.jsonl',
    format: 'jsonl',
    metadata: { rows: 1_200, sizeBytes: 655_360 },
    governance: {
      containsPersonalData: false,
      columns: [{ name: 'prompt', sampleValues: ['Ignore previous instructions and ...'] }],
    },
  },
];

const PROD_DEPLOYMENT = 'support-assistant-prod';
const STAGING_DEPLOYMENT = 'support-assistant-staging';
const EXPERIMENT = 'support-assistant-ab-2026';
const REVIEWER = { name: 'Demo Reviewer', email: 'reviewer@demo.local' };
const MODEL_CARD_OWNER = 'support-ml@example.com';
const PRICES_EFFECTIVE_FROM = '2024-01-01T00:00:00.000Z';

/** Production traffic shares while the A/B test runs: an even split across the arms. */
const PROD_TRAFFIC: Record<string, number> = {
  'gpt-4-turbo': 0.34,
  'claude-3.5-sonnet': 0.33,
  'llama-3.1-70b': 0.33,
};

// ---------------------------------------------------------------------------------------------
// GraphQL client

class DemoError extends Error {}

function readToken(): string {
  if (process.env.DEMO_TOKEN) return process.env.DEMO_TOKEN.trim();
  if (!existsSync(TOKEN_FILE)) {
    throw new DemoError(
      `No token: ${TOKEN_FILE} does not exist. Run \`npm start\` once (it seeds the local admin token), or set DEMO_TOKEN.`,
    );
  }
  return readFileSync(TOKEN_FILE, 'utf8').trim();
}

let adminToken = '';

// biome-ignore lint/suspicious/noExplicitAny: responses are read field by field and checked
type Json = any;

async function gql(
  query: string,
  variables: Record<string, unknown> = {},
  token = adminToken,
): Promise<Json> {
  let response: Response;
  try {
    response = await fetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
    throw new DemoError(
      `The registry is not reachable at ${BASE_URL} (${cause}). Start it with \`npm start\` in another terminal and wait for "Ready", or set DEMO_URL.`,
    );
  }
  const text = await response.text();
  let body: { data?: Json; errors?: { message: string; path?: string[] }[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new DemoError(
      `${BASE_URL}/graphql answered HTTP ${response.status} with no GraphQL response: ${text.slice(0, 200)}`,
    );
  }
  if (body.errors?.length) {
    const messages = body.errors.map(
      (e) => `${e.message}${e.path ? ` (at ${e.path.join('.')})` : ''}`,
    );
    if (response.status === 401) {
      throw new DemoError(
        `The token was refused (${messages.join('; ')}). Restart \`npm start\` to re-seed ${TOKEN_FILE}, or set DEMO_TOKEN.`,
      );
    }
    throw new DemoError(`GraphQL error: ${messages.join('; ')}`);
  }
  return body.data;
}

/** The payload of a mutation result union, or a DemoError naming the error returned as data. */
function payload(result: Json, typename: string): Json {
  if (result?.__typename === typename) return result;
  const path = Array.isArray(result?.path) ? ` at ${result.path.join('.')}` : '';
  throw new DemoError(`${result?.__typename ?? 'No result'}: ${result?.message ?? ''}${path}`);
}

const ERROR_FIELDS = '... on Error { message path }';

// ---------------------------------------------------------------------------------------------
// Output

const quiet = CHECK;
function say(text = '') {
  if (!quiet) console.log(text);
}

function table(headers: string[], rows: (string | number | null | undefined)[][]) {
  const cells = rows.map((row) =>
    row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))),
  );
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const numeric = headers.map((_, i) =>
    cells.every((row) => /^[<-]?[\d,.$%]+$|^-$/.test(row[i] ?? '')),
  );
  const line = (row: string[]) =>
    `  ${row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
  say(line(headers));
  say(line(widths.map((w) => '-'.repeat(w))));
  for (const row of cells) say(line(row));
}

const usd = (value: number | null | undefined, digits = 4) =>
  value === null || value === undefined ? null : `$${value.toFixed(digits)}`;
const fixed = (value: number | null | undefined, digits = 3) =>
  value === null || value === undefined ? null : value.toFixed(digits);
const count = (value: number) => value.toLocaleString('en-US');
const pValue = (value: number | null | undefined) =>
  value === null || value === undefined ? null : value < 0.0001 ? '<0.0001' : value.toFixed(4);

let stepNumber = 0;
async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  stepNumber += 1;
  const started = performance.now();
  if (!quiet) console.log(`\n${stepNumber}. ${title}`);
  try {
    const result = await run();
    if (quiet)
      console.log(`ok    ${stepNumber}. ${title} (${Math.round(performance.now() - started)} ms)`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`${quiet ? 'FAIL  ' : '   '}${stepNumber}. ${title}: ${message}`);
    if (!(error instanceof DemoError) && error instanceof Error && error.stack)
      console.error(error.stack);
    process.exit(1);
  }
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new DemoError(`Assertion failed: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Deterministic traffic

/** mulberry32: a small seeded PRNG, so every run sends the same requests. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const normal = () => {
    const u = Math.max(next(), Number.EPSILON);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return { next, normal };
}

function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0) ^ SEED;
}

interface Ids {
  models: Record<string, { id: string; versions: Record<string, string> }>;
  datasets: Record<string, string>;
  deployments: Record<string, string>;
  experimentId: string;
}

function trafficFor(spec: ModelSpec, ids: Ids, dayStart: number) {
  const random = prng(seedOf(spec.name));
  const model = ids.models[spec.name];
  assert(model, `model ${spec.name} registered`);
  const requests: Record<string, unknown>[] = [];
  const windowStart = dayStart - DAYS_OF_TRAFFIC * DAY_MS;
  for (let i = 0; i < REQUESTS_PER_MODEL; i++) {
    const { traffic } = spec;
    const failed = random.next() < traffic.errorRate;
    const inputTokens = Math.max(
      50,
      Math.round(traffic.inputTokensMean * Math.exp(0.45 * random.normal() - 0.1)),
    );
    const outputTokens = failed
      ? 0
      : Math.max(10, Math.round(traffic.outputTokensMean * Math.exp(0.4 * random.normal() - 0.08)));
    // Latency grows with the output: a base log-normal time plus ~8 ms per output token.
    const latencyMs =
      Math.round(
        traffic.latencyMedianMs *
          Math.exp(traffic.latencySigma * random.normal()) *
          (0.7 + outputTokens / 1_000),
      ) + (failed ? 30_000 : 0);
    const quality = failed
      ? null
      : Math.round(
          Math.min(1, Math.max(0, traffic.qualityMean + traffic.qualitySd * random.normal())) *
            1000,
        ) / 1000;
    const timestamp = new Date(windowStart + Math.floor(random.next() * DAYS_OF_TRAFFIC * DAY_MS));
    requests.push({
      idempotencyKey: `demo:${spec.name}:${String(i).padStart(5, '0')}`,
      modelId: model.id,
      versionId: model.versions[spec.servingVersion],
      deploymentId: ids.deployments[PROD_DEPLOYMENT],
      experimentId: ids.experimentId,
      provider: spec.provider,
      providerModel: spec.providerModel,
      latencyMs,
      inputTokens,
      outputTokens,
      quality,
      status: failed ? 'ERROR' : 'SUCCESS',
      timestamp: timestamp.toISOString(),
    });
  }
  return requests;
}

const METRIC_INTERVAL_MS = 30 * 60_000;
const METRIC_POINTS = 8 * 48;

/**
 * Latency measured every 30 minutes for 8 days, and a daily accuracy on the golden eval set. The
 * fine-tuned Llama gets 30% slower in the last 24 hours, so metricAlerts has something to say.
 */
function metricPointsFor(spec: ModelSpec, versionId: string, now: number) {
  const random = prng(seedOf(`${spec.name}:metrics`));
  const last = Math.floor(now / METRIC_INTERVAL_MS) * METRIC_INTERVAL_MS;
  const points: Record<string, unknown>[] = [];
  for (let i = METRIC_POINTS - 1; i >= 0; i--) {
    const at = last - i * METRIC_INTERVAL_MS;
    const regressed = spec.name === 'llama-3.1-70b' && at > now - DAY_MS;
    const value =
      spec.traffic.latencyMedianMs * Math.exp(0.12 * random.normal()) * (regressed ? 1.3 : 1);
    points.push({
      versionId,
      type: 'LATENCY',
      value: Math.round(value * 10) / 10,
      timestamp: new Date(at).toISOString(),
      context: { window: '30m', statistic: 'p50', deployment: PROD_DEPLOYMENT },
    });
  }
  for (let day = 7; day >= 0; day--) {
    const accuracy = spec.traffic.qualityMean + 0.06 + 0.01 * random.normal();
    points.push({
      versionId,
      type: 'ACCURACY',
      value: Math.round(Math.min(1, accuracy) * 1000) / 1000,
      timestamp: new Date(last - day * DAY_MS).toISOString(),
      context: { dataset: 'support-eval-golden-500' },
    });
  }
  return points;
}

// ---------------------------------------------------------------------------------------------
// Operations

const Viewer = /* GraphQL */ `
  query DemoViewer { viewer { id name role organization { name } } }
`;

const ModelByName = /* GraphQL */ `
  query DemoModel($name: String!) {
    model(name: $name) {
      id name
      versions(first: 100) { edges { node { id version } } }
    }
  }
`;

const ModelRegister = /* GraphQL */ `
  mutation DemoModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) {
      __typename
      ... on ModelRegisterPayload { model { id name } }
      ${ERROR_FIELDS}
    }
  }
`;

const ModelVersionCreate = /* GraphQL */ `
  mutation DemoModelVersionCreate($input: ModelVersionCreateInput!) {
    modelVersionCreate(input: $input) {
      __typename
      ... on ModelVersionCreatePayload { modelVersion { id version } }
      ${ERROR_FIELDS}
    }
  }
`;

const DatasetsPage = /* GraphQL */ `
  query DemoDatasets($after: String) {
    datasets(first: 100, after: $after) {
      edges { node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const DatasetRegister = /* GraphQL */ `
  mutation DemoDatasetRegister($input: DatasetRegisterInput!) {
    datasetRegister(input: $input) {
      __typename
      ... on DatasetRegisterPayload { dataset { id name } }
      ${ERROR_FIELDS}
    }
  }
`;

const DeploymentsPage = /* GraphQL */ `
  query DemoDeployments($after: String) {
    deployments(first: 100, after: $after) {
      edges { node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const DeploymentCreate = /* GraphQL */ `
  mutation DemoDeploymentCreate($input: DeploymentCreateInput!) {
    deploymentCreate(input: $input) {
      __typename
      ... on DeploymentCreatePayload { deployment { id name } }
      ${ERROR_FIELDS}
    }
  }
`;

const ExperimentsPage = /* GraphQL */ `
  query DemoExperiments($after: String) {
    experiments(first: 100, after: $after) {
      edges { node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const ExperimentCreate = /* GraphQL */ `
  mutation DemoExperimentCreate($input: ExperimentCreateInput!) {
    experimentCreate(input: $input) {
      __typename
      ... on ExperimentCreatePayload { experiment { id name } }
      ${ERROR_FIELDS}
    }
  }
`;

const Prices = /* GraphQL */ `
  query DemoPrices($provider: String!) {
    prices(provider: $provider, first: 100) { edges { node { modelPattern effectiveFrom } } }
  }
`;

const PriceSet = /* GraphQL */ `
  mutation DemoPriceSet($input: PriceSetInput!) {
    priceSet(input: $input) {
      __typename
      ... on PriceSetPayload { price { id } }
      ${ERROR_FIELDS}
    }
  }
`;

const InferenceTrack = /* GraphQL */ `
  mutation DemoInferenceTrack($input: InferenceTrackInput!) {
    inferenceTrack(input: $input) {
      __typename
      ... on InferenceTrackPayload { recorded unpriced tracked { deduplicated } }
      ${ERROR_FIELDS}
    }
  }
`;

const UsageCounts = /* GraphQL */ `
  query DemoUsageCounts($ids: [ID!]!, $from: DateTime!) {
    nodes(ids: $ids) {
      ... on Model { id name usage(from: $from) { requests } }
    }
  }
`;

const Compare = /* GraphQL */ `
  query DemoCompare($experimentId: ID!, $modelIds: [ID!]!, $from: DateTime!) {
    abTestCompare(experimentId: $experimentId, armsBy: MODEL, from: $from) {
      arms {
        model { id name }
        requests errorRate meanQuality qualityCi95 { low high }
        latency { p50 p95 } meanCostUsd
      }
      pairs { a b qualityDifference quality { pValue } latency { pValue } errorRate { pValue } }
      verdict { outcome winner adjustedAlpha reason additionalSamplesPerArm }
    }
    roiFrontier(modelIds: $modelIds, from: $from, qualityTolerance: 0.02) {
      frontier { model { name } }
      cheapestWithinTolerance { name }
    }
    nodes(ids: $modelIds) {
      ... on Model {
        id name
        usage(from: $from) { requests totalCostUsd costPer1kTokens unpricedRequests latency { p50 p95 } }
        roi(from: $from) { meanQuality meanCostUsd qualityPerDollar costPerSuccessfulRequest }
        costForecast(days: 30, historyDays: 14) { forecastUsd forecastLowUsd forecastHighUsd }
      }
    }
  }
`;

const MetricCounts = /* GraphQL */ `
  query DemoMetricCounts($ids: [ID!]!, $from: DateTime!) {
    nodes(ids: $ids) {
      ... on ModelVersion { id metricStats(type: LATENCY, from: $from) { count } }
    }
  }
`;

const MetricsRecord = /* GraphQL */ `
  mutation DemoMetricsRecord($input: MetricsRecordInput!) {
    metricsRecord(input: $input) {
      __typename
      ... on MetricsRecordPayload { recorded }
      ${ERROR_FIELDS}
    }
  }
`;

const MetricsReport = /* GraphQL */ `
  query DemoMetricsReport($ids: [ID!]!, $modelIds: [ID!]!) {
    nodes(ids: $ids) {
      ... on ModelVersion {
        version
        model { name }
        latency: metricStats(type: LATENCY) { count p50 p95 }
        accuracy: metricStats(type: ACCURACY) { count mean }
      }
    }
    modelComparison(modelIds: $modelIds, metricType: LATENCY) { rank model { name } stats { p95 } }
    metricAlerts(recentHours: 24, baselineHours: 168) {
      model { name }
      modelVersion { version }
      metricType direction relativeChange pValue
      baseline { mean count }
      recent { mean count }
    }
  }
`;

const UsersPage = /* GraphQL */ `
  query DemoUsers($after: String) {
    users(first: 100, after: $after) {
      edges { node { id name email role } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const UserCreate = /* GraphQL */ `
  mutation DemoUserCreate($input: UserCreateInput!) {
    userCreate(input: $input) {
      __typename
      ... on UserCreatePayload { user { id name } }
      ${ERROR_FIELDS}
    }
  }
`;

const ApiTokenCreate = /* GraphQL */ `
  mutation DemoApiTokenCreate($input: ApiTokenCreateInput!) {
    apiTokenCreate(input: $input) {
      __typename
      ... on ApiTokenCreatePayload { token apiToken { id } }
      ${ERROR_FIELDS}
    }
  }
`;

const ApiTokenRevoke = /* GraphQL */ `
  mutation DemoApiTokenRevoke($input: ApiTokenRevokeInput!) {
    apiTokenRevoke(input: $input) {
      __typename
      ... on ApiTokenRevokePayload { apiToken { revokedAt } }
      ${ERROR_FIELDS}
    }
  }
`;

const VersionGovernance = /* GraphQL */ `
  query DemoVersionGovernance($id: ID!) {
    node(id: $id) {
      ... on ModelVersion {
        id version isProduction
        model { name productionVersion { version } }
        artifacts(first: 100) { edges { node { name status } } }
        approvals(first: 100) { edges { node { id state reviewer { name } reviewedAt } } }
      }
    }
  }
`;

const ArtifactUploadCreate = /* GraphQL */ `
  mutation DemoArtifactUploadCreate($input: ArtifactUploadCreateInput!) {
    artifactUploadCreate(input: $input) {
      __typename
      ... on ArtifactUploadCreatePayload { artifact { id upload { url } } }
      ${ERROR_FIELDS}
    }
  }
`;

const CHECK_FIELDS = 'type status summary findings { code message }';

const ApprovalRequest = /* GraphQL */ `
  mutation DemoApprovalRequest($input: ApprovalRequestInput!) {
    approvalRequest(input: $input) {
      __typename
      ... on ApprovalRequestPayload { approval { id state } checks { ${CHECK_FIELDS} } }
      ${ERROR_FIELDS}
    }
  }
`;

const ComplianceCheckRun = /* GraphQL */ `
  mutation DemoComplianceCheckRun($input: ComplianceCheckRunInput!) {
    complianceCheckRun(input: $input) {
      __typename
      ... on ComplianceCheckRunPayload { approval { checks { ${CHECK_FIELDS} } } }
      ${ERROR_FIELDS}
    }
  }
`;

const ApprovalChecks = /* GraphQL */ `
  query DemoApprovalChecks($id: ID!) {
    node(id: $id) { ... on Approval { id state checks { ${CHECK_FIELDS} } } }
  }
`;

const ApprovalReview = /* GraphQL */ `
  mutation DemoApprovalReview($input: ApprovalReviewInput!) {
    approvalReview(input: $input) {
      __typename
      ... on ApprovalReviewPayload { approval { id state reviewer { name } reviewedAt } }
      ${ERROR_FIELDS}
    }
  }
`;

const ModelVersionPromote = /* GraphQL */ `
  mutation DemoModelVersionPromote($input: ModelVersionPromoteInput!) {
    modelVersionPromote(input: $input) {
      __typename
      ... on ModelVersionPromotePayload { modelVersion { version isProduction } previousVersion { version } }
      ... on ApprovalRequiredError { missingChecks checkStatuses { type status } }
      ${ERROR_FIELDS}
    }
  }
`;

const Lineage = /* GraphQL */ `
  query DemoLineage($id: ID!) {
    node(id: $id) {
      ... on ModelVersion {
        version
        model { name }
        lineage(direction: BOTH) {
          totalNodes totalEdges depthReached isTruncated
          nodeInfo { kind label depth }
          mermaid
        }
      }
    }
  }
`;

// ---------------------------------------------------------------------------------------------
// Steps

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
const registryRows: [string, string, Outcome][] = [];

async function ensureDatasets(ids: Ids) {
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

async function ensureModels(ids: Ids) {
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

async function ensureDeploymentsAndExperiment(ids: Ids) {
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

async function ensurePrices() {
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

async function requestCounts(ids: Ids, from: string): Promise<Map<string, number>> {
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

async function track(requests: Record<string, unknown>[]): Promise<TrackingOutcome> {
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

async function ensureReviewer(): Promise<{ userId: string; token: string; tokenId: string }> {
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

function printChecks(checks: Json[]) {
  table(
    ['check', 'status', 'summary'],
    checks.map((check) => [check.type, check.status, check.summary]),
  );
  for (const check of checks) {
    for (const finding of check.findings) {
      if (check.status !== 'PASSED') say(`     ${check.type} ${finding.code}: ${finding.message}`);
    }
  }
}

const FAIRNESS_EVIDENCE = {
  protectedAttribute: 'customer_language',
  referenceGroup: 'en',
  // Resolved without escalation ("selected"), against the graders' verdict, per language.
  groups: [
    {
      name: 'en',
      selected: 320,
      total: 400,
      truePositives: 300,
      falsePositives: 20,
      trueNegatives: 60,
      falseNegatives: 20,
    },
    {
      name: 'es',
      selected: 158,
      total: 200,
      truePositives: 148,
      falsePositives: 10,
      trueNegatives: 30,
      falseNegatives: 12,
    },
    {
      name: 'de',
      selected: 79,
      total: 100,
      truePositives: 74,
      falsePositives: 5,
      trueNegatives: 15,
      falseNegatives: 6,
    },
  ],
};
const INTENDED_USE =
  'Customer support assistant answering account and order questions in chat; a human agent takes over on request';

// ---------------------------------------------------------------------------------------------
// The run

async function main() {
  adminToken = readToken();
  const ids: Ids = { models: {}, datasets: {}, deployments: {}, experimentId: '' };
  const today = new Date();
  const dayStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const windowFrom = new Date(dayStart - DAYS_OF_TRAFFIC * DAY_MS).toISOString();
  const countsFrom = new Date(dayStart - 30 * DAY_MS).toISOString();

  say(`Model Registry demo against ${BASE_URL}`);
  const viewer = await step('Connect', async () => {
    const { viewer } = await gql(Viewer);
    assert(viewer, 'the token names a user');
    say(
      `   Signed in as ${viewer.name} (${viewer.role}) in organization "${viewer.organization.name}"`,
    );
    assert(viewer.role === 'ADMIN', 'the demo needs an ADMIN token (prices, users, tokens)');
    return viewer;
  });

  await step('Register datasets, models, versions, deployments and the experiment', async () => {
    await ensureDatasets(ids);
    await ensureModels(ids);
    await ensureDeploymentsAndExperiment(ids);
    table(['kind', 'name', 'this run'], registryRows);
    const created = registryRows.filter((row) => row[2] === 'created').length;
    say(`   ${created} created, ${registryRows.length - created} found by name and reused`);
  });

  await step('Set provider prices (the price table prices each request)', ensurePrices);

  const traffic = MODELS.flatMap((spec) => trafficFor(spec, ids, dayStart));
  await step(
    `Track ${count(traffic.length)} inference requests (${BATCH_SIZE} per inferenceTrack call, idempotency keys)`,
    async () => {
      const before = await requestCounts(ids, countsFrom);
      const rows: (string | number)[][] = [];
      let recordedTotal = 0;
      for (const spec of MODELS) {
        const requests = traffic.filter((r) => r.modelId === ids.models[spec.name]?.id);
        const outcome = await track(requests);
        recordedTotal += outcome.recorded;
        assert(
          outcome.recorded + outcome.deduplicated === outcome.sent,
          `every request of ${spec.name} recorded or deduplicated`,
        );
        assert(outcome.unpriced === 0, `every request of ${spec.name} priced from the price table`);
        rows.push([
          spec.name,
          count(before.get(spec.name) ?? 0),
          count(outcome.sent),
          count(outcome.recorded),
          count(outcome.deduplicated),
        ]);
      }
      const after = await requestCounts(ids, countsFrom);
      for (const [i, spec] of MODELS.entries()) {
        const row = rows[i] as (string | number)[];
        const was = before.get(spec.name) ?? 0;
        const now = after.get(spec.name) ?? 0;
        row.push(count(now));
        // The idempotency keys at work: a rerun adds nothing, so the count never doubles.
        assert(
          now - was === Number(String(row[3]).replace(/,/g, '')),
          `${spec.name}: requests grew by exactly the newly recorded ones`,
        );
      }
      table(
        ['model', 'requests before', 'sent', 'newly recorded', 'deduplicated', 'requests after'],
        rows,
      );
      say(
        recordedTotal === 0
          ? '   Every request was already recorded: the counts did not change (idempotency keys).'
          : `   ${count(recordedTotal)} requests recorded; a rerun records none of them again.`,
      );
    },
  );

  await step(
    'Record performance metrics (latency every 30 minutes for 8 days, daily accuracy)',
    async () => {
      const versionIds = MODELS.map(
        (spec) => ids.models[spec.name]?.versions[spec.servingVersion] as string,
      );
      const existing = new Map<string, number>(
        (
          await gql(MetricCounts, {
            ids: versionIds,
            // the longest range metricStats takes
            from: new Date(Date.now() - 390 * DAY_MS).toISOString(),
          })
        ).nodes.map((node: Json) => [node.id, node.metricStats.count]),
      );
      const now = Date.now();
      for (const [i, spec] of MODELS.entries()) {
        const versionId = versionIds[i] as string;
        // Points carry no idempotency key: record a version's series once, on the first run.
        if ((existing.get(versionId) ?? 0) > 0) continue;
        const points = metricPointsFor(spec, versionId, now);
        const result = payload(
          (await gql(MetricsRecord, { input: { points } })).metricsRecord,
          'MetricsRecordPayload',
        );
        assert(
          result.recorded === points.length,
          `all ${points.length} points of ${spec.name} recorded`,
        );
      }
      const report = await gql(MetricsReport, {
        ids: versionIds,
        modelIds: MODELS.map((spec) => ids.models[spec.name]?.id),
      });
      table(
        ['version', 'latency points', 'p50 ms', 'p95 ms', 'accuracy', 'this run'],
        report.nodes.map((node: Json, i: number) => [
          `${node.model.name} ${node.version}`,
          count(node.latency.count),
          Math.round(node.latency.p50),
          Math.round(node.latency.p95),
          fixed(node.accuracy.mean),
          (existing.get(versionIds[i] as string) ?? 0) > 0 ? 'already recorded' : 'recorded',
        ]),
      );
      say(
        `\n   Fastest p95 first: ${report.modelComparison.map((entry: Json) => entry.model.name).join(', ')}`,
      );
      for (const alert of report.metricAlerts) {
        say(
          `   Alert: ${alert.model.name} ${alert.modelVersion.version} ${alert.metricType} ${alert.direction}: ` +
            `${fixed(alert.baseline.mean, 0)} -> ${fixed(alert.recent.mean, 0)} (${alert.relativeChange > 0 ? '+' : ''}${(alert.relativeChange * 100).toFixed(0)}%, p ${pValue(alert.pValue)}, ${alert.recent.count} vs ${alert.baseline.count} points)`,
        );
      }
      if (report.metricAlerts.length === 0) say('   No metric alerts in the last 24 hours');
    },
  );

  const comparison = await step(
    'Compare the models (A/B test over the experiment, Welch t-tests)',
    async () => {
      const modelIds = MODELS.map((spec) => ids.models[spec.name]?.id);
      const data = await gql(Compare, {
        experimentId: ids.experimentId,
        modelIds,
        from: windowFrom,
      });
      const report = data.abTestCompare;
      const names = new Map(report.arms.map((arm: Json) => [arm.model.id, arm.model.name]));
      table(
        ['arm', 'requests', 'errors', 'quality', '95% CI', 'p50 ms', 'p95 ms', 'cost/request'],
        report.arms.map((arm: Json) => [
          arm.model.name,
          count(arm.requests),
          `${(arm.errorRate * 100).toFixed(1)}%`,
          fixed(arm.meanQuality),
          arm.qualityCi95 ? `${fixed(arm.qualityCi95.low)}-${fixed(arm.qualityCi95.high)}` : null,
          Math.round(arm.latency.p50),
          Math.round(arm.latency.p95),
          usd(arm.meanCostUsd),
        ]),
      );
      say('');
      table(
        ['pair', 'quality diff', 'p (quality)', 'p (latency)', 'p (errors)'],
        report.pairs.map((pair: Json) => [
          `${names.get(pair.a)} vs ${names.get(pair.b)}`,
          fixed(pair.qualityDifference),
          pValue(pair.quality?.pValue),
          pValue(pair.latency?.pValue),
          pValue(pair.errorRate?.pValue),
        ]),
      );
      const verdict = report.verdict;
      say(
        `\n   Verdict: ${verdict.outcome}${verdict.winner ? ` — ${names.get(verdict.winner)}` : ''}. ${verdict.reason}`,
      );
      assert(
        verdict.outcome === 'WINNER' && verdict.winner,
        'the A/B test has a significant winner',
      );
      return { data, winnerId: verdict.winner as string, names };
    },
  );

  await step('Compute ROI and the cost forecast', async () => {
    const { data } = comparison;
    table(
      [
        'model',
        'spend',
        'per 1k tokens',
        'quality',
        'quality per $',
        'cost/success',
        '30-day forecast',
      ],
      data.nodes.map((node: Json) => [
        node.name,
        usd(node.usage.totalCostUsd, 2),
        usd(node.usage.costPer1kTokens),
        fixed(node.roi.meanQuality),
        node.roi.qualityPerDollar === null ? null : count(Math.round(node.roi.qualityPerDollar)),
        usd(node.roi.costPerSuccessfulRequest),
        node.costForecast.forecastUsd === null
          ? null
          : `${usd(node.costForecast.forecastUsd, 2)} (${usd(node.costForecast.forecastLowUsd, 2)}-${usd(node.costForecast.forecastHighUsd, 2)})`,
      ]),
    );
    const frontier = data.roiFrontier;
    say(
      `\n   Cost/quality frontier: ${frontier.frontier.map((e: Json) => e.model.name).join(', ')}`,
    );
    say(
      `   Cheapest within 0.02 of the best quality: ${frontier.cheapestWithinTolerance?.name ?? '-'}`,
    );
  });

  const winnerSpec = MODELS.find((spec) => ids.models[spec.name]?.id === comparison.winnerId);
  assert(winnerSpec, 'the winner is one of the demo models');
  const winnerVersionId = ids.models[winnerSpec.name]?.versions[
    winnerSpec.servingVersion
  ] as string;
  const winnerLabel = `${winnerSpec.name} ${winnerSpec.servingVersion}`;

  const governance = await step(
    `Request approval for ${winnerLabel} and run the compliance checks`,
    async () => {
      const version = (await gql(VersionGovernance, { id: winnerVersionId })).node;
      // SECURITY wants a verified artifact and an owner: upload the model card through the artifact API.
      const hasCard = version.artifacts.edges.some(
        (edge: Json) => edge.node.name === 'MODEL_CARD.md' && edge.node.status === 'COMPLETE',
      );
      if (!hasCard) {
        const card = new TextEncoder().encode(
          `# ${winnerLabel}\n\nOwner: ${MODEL_CARD_OWNER}\nIntended use: ${INTENDED_USE}\nProvider model: ${winnerSpec.providerModel}\n`,
        );
        const created = payload(
          (
            await gql(ArtifactUploadCreate, {
              input: {
                versionId: winnerVersionId,
                name: 'MODEL_CARD.md',
                kind: 'MODEL_CARD',
                contentType: 'text/markdown',
                sizeBytes: card.byteLength,
                sha256: createHash('sha256').update(card).digest('hex'),
              },
            })
          ).artifactUploadCreate,
          'ArtifactUploadCreatePayload',
        );
        const put = await fetch(`${BASE_URL}${created.artifact.upload.url}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'text/markdown' },
          body: card,
        });
        assert(
          put.status === 201,
          `the model card upload answered ${put.status}: ${await put.text()}`,
        );
        say('   Uploaded MODEL_CARD.md (checksummed by the Worker and R2)');
      } else {
        say('   MODEL_CARD.md already uploaded');
      }

      const approvals = version.approvals.edges.map((edge: Json) => edge.node);
      const approved = approvals.find((a: Json) => a.state === 'APPROVED');
      if (approved) {
        say(
          `   Already approved by ${approved.reviewer?.name} at ${approved.reviewedAt}: reusing that approval`,
        );
        printChecks((await gql(ApprovalChecks, { id: approved.id })).node.checks);
        return { approvalId: approved.id as string, pending: false };
      }
      let approvalId: string;
      const pending = approvals.find((a: Json) => a.state === 'PENDING');
      if (pending) {
        approvalId = pending.id;
        say('   A pending request exists (an earlier run stopped): reusing it');
      } else {
        const requested = payload(
          (
            await gql(ApprovalRequest, {
              input: {
                versionId: winnerVersionId,
                checks: ['GDPR', 'AI_ACT', 'FAIRNESS', 'SECURITY'],
                notes: `Won the A/B test ${EXPERIMENT}`,
                evidence: {
                  fairness: FAIRNESS_EVIDENCE,
                  aiAct: { intendedUse: INTENDED_USE, uses: ['INTERACTS_WITH_PEOPLE'] },
                },
              },
            })
          ).approvalRequest,
          'ApprovalRequestPayload',
        );
        approvalId = requested.approval.id;
        say('   approvalRequest ran the checks at once:');
        printChecks(requested.checks);
      }
      // The chat assistant talks to people (AI Act Art. 50): attach the transparency evidence and
      // re-run the checks on the pending request.
      const rerun = payload(
        (
          await gql(ComplianceCheckRun, {
            input: {
              approvalId,
              evidence: {
                aiAct: {
                  intendedUse: INTENDED_USE,
                  uses: ['INTERACTS_WITH_PEOPLE'],
                  obligations: [
                    {
                      obligation: 'TRANSPARENCY',
                      evidence:
                        'The chat widget says "You are chatting with an AI assistant" before the first answer',
                    },
                  ],
                },
              },
            },
          })
        ).complianceCheckRun,
        'ComplianceCheckRunPayload',
      );
      say('\n   complianceCheckRun with the transparency evidence:');
      printChecks(rerun.approval.checks);
      const failed = rerun.approval.checks.filter((check: Json) => check.status === 'FAILED');
      assert(
        failed.length === 0,
        `no check failed (${failed.map((c: Json) => c.type).join(', ')})`,
      );
      return { approvalId, pending: true };
    },
  );

  await step(`Review, approve and promote ${winnerLabel} to production`, async () => {
    if (governance.pending) {
      const reviewer = await ensureReviewer();
      try {
        const reviewed = payload(
          (
            await gql(
              ApprovalReview,
              {
                input: {
                  approvalId: governance.approvalId,
                  decision: 'APPROVE',
                  notes: 'A/B winner; checks clean; transparency notice verified in staging',
                },
              },
              reviewer.token,
            )
          ).approvalReview,
          'ApprovalReviewPayload',
        );
        say(`   Approved by ${reviewed.approval.reviewer.name} at ${reviewed.approval.reviewedAt}`);
      } finally {
        payload(
          (await gql(ApiTokenRevoke, { input: { id: reviewer.tokenId } })).apiTokenRevoke,
          'ApiTokenRevokePayload',
        );
      }
    }
    const version = (await gql(VersionGovernance, { id: winnerVersionId })).node;
    if (version.isProduction) {
      say(`   ${winnerLabel} is already production: nothing to move`);
      return;
    }
    const promoted = payload(
      (
        await gql(ModelVersionPromote, {
          input: { versionId: winnerVersionId, reason: `Won ${EXPERIMENT} on quality; approved` },
        })
      ).modelVersionPromote,
      'ModelVersionPromotePayload',
    );
    assert(promoted.modelVersion.isProduction, 'the promoted version is production');
    say(
      `   ${winnerLabel} is now production${promoted.previousVersion ? ` (was ${promoted.previousVersion.version})` : ''}`,
    );
  });

  await step(`Lineage of ${winnerLabel}`, async () => {
    const version = (await gql(Lineage, { id: winnerVersionId })).node;
    const graph = version.lineage;
    say(
      `   ${graph.totalNodes} nodes, ${graph.totalEdges} edges, depth ${graph.depthReached}${graph.isTruncated ? ' (truncated)' : ''}:`,
    );
    table(
      ['kind', 'node', 'depth'],
      graph.nodeInfo.map((info: Json) => [info.kind, info.label, info.depth]),
    );
    say('\n   Mermaid (paste into any Mermaid renderer):\n');
    say(graph.mermaid.trimEnd().replace(/^/gm, '    '));
    say(`\n   In a browser: ${BASE_URL}/lineage/${encodeURIComponent(winnerVersionId)}`);
    assert(graph.totalNodes >= 5, 'the lineage reaches datasets, deployments and the reviewer');
  });

  if (CHECK) {
    await step('Re-send every request: nothing may be recorded twice', async () => {
      const before = await requestCounts(ids, countsFrom);
      const outcome = await track(traffic);
      const after = await requestCounts(ids, countsFrom);
      assert(outcome.recorded === 0, `no request recorded again (got ${outcome.recorded})`);
      assert(outcome.deduplicated === traffic.length, 'every request deduplicated');
      for (const spec of MODELS) {
        assert(before.get(spec.name) === after.get(spec.name), `${spec.name}: count unchanged`);
      }
    });
    console.log(`demo check passed (${viewer.organization.name} at ${BASE_URL})`);
  } else {
    say(`\nDone. Run it again: everything is found by name and no request is recorded twice.`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
