// Property-based fuzzing of every mutation in the schema (issue 8, hostile input).
//
// For each mutation, fast-check builds inputs three ways: a valid input with one to three fields
// replaced by hostile values, dropped, or joined by unknown fields; an input generated from the
// input type alone (every field hostile); and a wrong top-level shape. Each is sent through the
// Worker's fetch, as a client would, and must be answered:
//   - never with a 5xx status, never with the masked internal error ("Unexpected error."), never
//     with SQL or a stack in a message;
//   - either as data (the payload, or a typed error with its `path`) or as top-level errors that
//     each carry `extensions.code`;
//   - and a rejected request (typed error or top-level error) leaves the database as it was: every
//     table's row count, max rowid and max updated_at are compared before and after.
//
// Bounded: a fixed seed (VITE_FUZZ_SEED=<n> changes it: Vite passes VITE_* variables to the test
// runtime) and FUZZ_RUNS_PER_MUTATION cases per mutation (VITE_FUZZ_RUNS overrides it).
import { env, SELF } from 'cloudflare:test';
import fc from 'fast-check';
import {
  type GraphQLInputObjectType,
  type GraphQLInputType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.ts';
import { globalId, rowId, unknownId } from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import {
  anyJsonValue,
  hostileDate,
  hostileFloat,
  hostileInt,
  hostileJson,
  hostileSafeInt,
  hostileString,
  smallHostileString,
  toJsonBody,
} from './hostile-values.ts';

const metaEnv = (import.meta as { env?: Record<string, string | undefined> }).env ?? {};
const BASE_SEED = Number(metaEnv.VITE_FUZZ_SEED ?? 20_261_126);
const FUZZ_RUNS_PER_MUTATION = Number(metaEnv.VITE_FUZZ_RUNS ?? 15);
/** Bodies above this are not sent: the HTTP layer's body cap is a different test's business. */
const MAX_BODY_BYTES = 900_000;

const mutationFields = schema.getMutationType()?.getFields() ?? {};
const MUTATIONS = Object.keys(mutationFields).sort();

// ---------------------------------------------------------------------------------------------
// The world: two organizations with one node of every kind each. Organization A is the caller;
// B's IDs are "IDs of another organization".

interface OrgWorld {
  org: TestOrg;
  model: string;
  model2: string;
  version: string;
  version2: string;
  dataset: string;
  deployment: string;
  experiment: string;
  run: string;
  edge: string;
  approval: string;
  artifact: string;
  user: string;
  /** A token nobody sends requests with, so revoking it is harmless. */
  spareToken: string;
  organization: string;
  /** A tracked request, for inferenceScore: its id is a row id, not a global ID, so it stays out of hostileId's pool. */
  request: { id: string };
  /** A provider model mapping's global ID, for providerModelMapDelete. */
  providerModelMap: string;
  /** A webhook, and a spare one for webhookDelete. */
  webhook: string;
  spareWebhook: string;
  /** The webhook's test delivery, for webhookRedeliver. */
  webhookDelivery: string;
  /** A budget's global ID, for budgetDelete. */
  budget: string;
}

async function must<T>(
  response: Promise<{ data: unknown; errors?: unknown }>,
  // biome-ignore lint/suspicious/noExplicitAny: set-up reads response shapes it just asked for
  pick: (data: any) => T,
) {
  const result = await response;
  const value = pick(result.data);
  if (!value) throw new Error(`world set-up failed: ${JSON.stringify(result)}`);
  return value;
}

async function buildOrgWorld(name: string): Promise<OrgWorld> {
  const org = await createTestOrg(name);
  const admin = org.admin.token;
  const register = (modelName: string) =>
    must(
      gql(
        admin,
        'mutation($i: ModelRegisterInput!) { r: modelRegister(input: $i) { ... on ModelRegisterPayload { model { id } } } }',
        {
          i: { name: modelName },
        },
      ),
      (data) => data?.r?.model?.id as string,
    );
  const model = await register('fuzz-model');
  const model2 = await register('fuzz-model-2');
  const dataset = await must(
    gql(
      admin,
      'mutation($i: DatasetRegisterInput!) { r: datasetRegister(input: $i) { ... on DatasetRegisterPayload { dataset { id } } } }',
      {
        i: { name: 'fuzz-dataset', uri: 'r2://datasets/fuzz' },
      },
    ),
    (data) => data?.r?.dataset?.id as string,
  );
  const createVersion = (modelId: string, version: string) =>
    must(
      gql(
        admin,
        'mutation($i: ModelVersionCreateInput!) { r: modelVersionCreate(input: $i) { ... on ModelVersionCreatePayload { modelVersion { id } } } }',
        {
          i: { modelId, version, trainedOn: [{ datasetId: dataset }] },
        },
      ),
      (data) => data?.r?.modelVersion?.id as string,
    );
  const version = await createVersion(model, '1.0.0');
  const version2 = await createVersion(model, '2.0.0');
  const deployment = await must(
    gql(
      admin,
      'mutation($i: DeploymentCreateInput!) { r: deploymentCreate(input: $i) { ... on DeploymentCreatePayload { deployment { id } } } }',
      {
        i: {
          name: 'fuzz-deployment',
          environment: 'staging',
          modelVersions: [{ versionId: version }],
        },
      },
    ),
    (data) => data?.r?.deployment?.id as string,
  );
  const experiment = await must(
    gql(
      admin,
      'mutation($i: ExperimentCreateInput!) { r: experimentCreate(input: $i) { ... on ExperimentCreatePayload { experiment { id } } } }',
      {
        i: { name: 'fuzz-experiment' },
      },
    ),
    (data) => data?.r?.experiment?.id as string,
  );
  const run = await must(
    gql(
      admin,
      'mutation($i: RunCreateInput!) { r: runCreate(input: $i) { ... on RunCreatePayload { run { id } } } }',
      { i: { experimentId: experiment, name: 'fuzz-run' } },
    ),
    (data) => data?.r?.run?.id as string,
  );
  const approval = await must(
    gql(
      org.tokens.EDITOR,
      'mutation($i: ApprovalRequestInput!) { r: approvalRequest(input: $i) { __typename ... on ApprovalRequestPayload { approval { id } } } }',
      {
        i: { versionId: version2, checks: ['GDPR'] },
      },
    ),
    (data) => data?.r?.approval?.id as string,
  );
  const artifact = await must(
    gql(
      admin,
      'mutation($i: ArtifactUploadCreateInput!) { r: artifactUploadCreate(input: $i) { ... on ArtifactUploadCreatePayload { artifact { id } } } }',
      {
        i: { versionId: version, name: 'weights.bin', kind: 'WEIGHTS', sizeBytes: 16, sha256: SHA },
      },
    ),
    (data) => data?.r?.artifact?.id as string,
  );
  const edgeRow = await env.DB.prepare('SELECT id FROM edge WHERE org_id = ? ORDER BY id LIMIT 1')
    .bind(org.orgId)
    .first<{ id: string }>();
  const spare = await must(
    gql(
      admin,
      'mutation($i: ApiTokenCreateInput!) { r: apiTokenCreate(input: $i) { ... on ApiTokenCreatePayload { apiToken { id } } } }',
      {
        i: { userId: globalId('User', org.userIds.VIEWER), name: 'spare' },
      },
    ),
    (data) => data?.r?.apiToken?.id as string,
  );
  const request = await must(
    gql(
      org.tokens.EDITOR,
      'mutation($i: InferenceTrackInput!) { r: inferenceTrack(input: $i) { ... on InferenceTrackPayload { tracked { request { id } } } } }',
      { i: { request: inferenceRequestOf(model, version) } },
    ),
    (data) => data?.r?.tracked?.[0]?.request?.id as string,
  );
  const providerModelMap = await must(
    gql(
      admin,
      'mutation($i: ProviderModelMapSetInput!) { r: providerModelMapSet(input: $i) { ... on ProviderModelMapSetPayload { providerModelMap { id } } } }',
      { i: { provider: 'openai', providerModel: 'gpt-fuzz-world*', modelId: model } },
    ),
    (data) => data?.r?.providerModelMap?.id as string,
  );
  const createHook = (url: string) =>
    must(
      gql(
        admin,
        'mutation($i: WebhookCreateInput!) { r: webhookCreate(input: $i) { ... on WebhookCreatePayload { webhook { id } } } }',
        { i: { url, events: ['MODEL_CREATED', 'ALIAS_MOVED'] } },
      ),
      (data) => data?.r?.webhook?.id as string,
    );
  const webhook = await createHook(`https://hooks.example.com/${name}`);
  const spareWebhook = await createHook(`https://hooks.example.com/${name}-spare`);
  const webhookDelivery = await must(
    gql(
      admin,
      'mutation($i: WebhookTestInput!) { r: webhookTest(input: $i) { ... on WebhookTestPayload { delivery { id } } } }',
      { i: { id: webhook } },
    ),
    (data) => data?.r?.delivery?.id as string,
  );
  const budget = await must(
    gql(
      admin,
      'mutation($i: BudgetSetInput!) { r: budgetSet(input: $i) { ... on BudgetSetPayload { budget { id } } } }',
      { i: { scope: 'MODEL', scopeId: model2, period: 'DAY', limitUsd: 1000 } },
    ),
    (data) => data?.r?.budget?.id as string,
  );
  return {
    org,
    model,
    model2,
    version,
    version2,
    dataset,
    deployment,
    experiment,
    run,
    edge: globalId('GraphEdge', edgeRow?.id ?? ''),
    approval,
    artifact,
    user: globalId('User', org.userIds.VIEWER),
    spareToken: spare,
    organization: globalId('Organization', org.orgId),
    request: { id: request },
    providerModelMap,
    webhook,
    spareWebhook,
    webhookDelivery,
    budget,
  };
}

let A: OrgWorld;
let B: OrgWorld;

// ---------------------------------------------------------------------------------------------
// A valid input per mutation: the fuzzer breaks it field by field. A mutation without an entry
// fails the coverage test below, so a new mutation cannot escape the fuzzer.

const SHA = 'a'.repeat(64);

type Baseline = (w: OrgWorld, nonce: string) => Record<string, unknown>;

const inferenceRequestOf = (model: string, version: string) => ({
  modelId: model,
  versionId: version,
  provider: 'openai',
  providerModel: 'gpt-fuzz',
  inputTokens: 10,
  outputTokens: 5,
  latencyMs: 120,
  status: 'SUCCESS',
  quality: 0.8,
});
const inferenceRequest = (w: OrgWorld) => inferenceRequestOf(w.model, w.version);

const BASELINES: Record<string, Baseline> = {
  apiTokenCreate: (w, n) => ({ userId: w.user, name: `token ${n}` }),
  apiTokenRevoke: (w) => ({ id: w.spareToken }),
  approvalRequest: (w) => ({ versionId: w.version, checks: ['GDPR', 'SECURITY'], notes: 'fuzz' }),
  approvalReview: (w) => ({ approvalId: w.approval, decision: 'REJECT', notes: 'fuzz' }),
  artifactDelete: (w) => ({ artifactId: w.artifact, reason: 'fuzz' }),
  artifactUploadAbort: (w) => ({ artifactId: w.artifact }),
  artifactUploadComplete: (w) => ({ artifactId: w.artifact }),
  artifactUploadCreate: (w, n) => ({
    versionId: w.version,
    name: `file-${n}.bin`,
    kind: 'CHECKPOINT',
    sizeBytes: 1024,
    sha256: SHA,
  }),
  autoPromotionRuleSet: (w) => ({
    modelId: w.model,
    objective: 'QUALITY_PER_DOLLAR',
    minSamples: 30,
  }),
  autoPromotionRun: (w) => ({ modelId: w.model, dryRun: true }),
  complianceCheckRun: (w) => ({ versionId: w.version, checks: ['GDPR'] }),
  datasetErasureRequest: (w) => ({ datasetId: w.dataset, reason: 'fuzz' }),
  datasetGovernanceSet: (w) => ({
    datasetId: w.dataset,
    governance: {
      containsPersonalData: true,
      lawfulBasis: 'CONSENT',
      retentionDays: 30,
      columns: [{ name: 'email', sampleValues: ['a@example.com'] }],
    },
  }),
  datasetRegister: (_w, n) => ({ name: `dataset ${n}`, uri: 'r2://d/x', metadata: { rows: 1 } }),
  datasetUpdate: (w, n) => ({ datasetId: w.dataset, description: `fuzz ${n}`, metadata: { n } }),
  deploymentUpdate: (w, n) => ({ deploymentId: w.deployment, metadata: { fuzz: n } }),
  experimentUpdate: (w, n) => ({ experimentId: w.experiment, description: `fuzz ${n}` }),
  deploymentCreate: (w, n) => ({
    name: `deployment ${n}`,
    environment: 'staging',
    modelVersions: [{ versionId: w.version, properties: { traffic: 1 } }],
  }),
  experimentCreate: (_w, n) => ({ name: `experiment ${n}`, metadata: { a: 1 } }),
  runCreate: (w, n) => ({
    experimentId: w.experiment,
    name: `run ${n}`,
    parentRunId: w.run,
    tags: [{ key: 'team', value: 'fuzz' }],
  }),
  runLog: (w, n) => ({
    runId: w.run,
    metrics: [{ key: 'loss', value: 0.5, step: 1 }],
    params: [{ key: `p-${n}`, value: '1' }],
    tags: [{ key: 'team', value: 'fuzz' }],
  }),
  runUpdate: (w, n) => ({ runId: w.run, name: `renamed ${n}`, status: 'FINISHED' }),
  inferenceTrack: (w) => ({ requests: [inferenceRequest(w)] }),
  inferenceScore: (w, n) => ({
    requestId: w.request.id,
    name: `score ${n}`,
    value: 0.5,
    comment: 'fuzz',
    source: 'MODEL_JUDGE',
  }),
  providerModelMapSet: (w, n) => ({
    provider: 'openai',
    providerModel: `gpt-fuzz-${n}*`,
    modelId: w.model,
    versionId: w.version,
  }),
  providerModelMapDelete: (w) => ({ id: w.providerModelMap }),
  budgetSet: (w) => ({
    scope: 'MODEL',
    scopeId: w.model,
    period: 'MONTH',
    limitUsd: 100,
    thresholds: [0.5, 1],
    enforce: false,
  }),
  budgetDelete: (w) => ({ id: w.budget }),
  lineageEdgeAdd: (w) => ({
    fromId: w.version2,
    toId: w.dataset,
    type: 'EVALUATED_ON',
    properties: { split: 'test' },
  }),
  lineageEdgeRemove: (w) => ({ edgeId: w.edge, reason: 'fuzz' }),
  metricsRecord: (w) => ({ points: [{ versionId: w.version, type: 'ACCURACY', value: 0.9 }] }),
  modelAliasDelete: (w) => ({ modelId: w.model, alias: 'staging', reason: 'fuzz' }),
  modelDelete: (w) => ({ modelId: w.model2, reason: 'fuzz' }),
  modelVersionDelete: (w) => ({ versionId: w.version2, reason: 'fuzz' }),
  datasetDelete: (w) => ({ datasetId: w.dataset, reason: 'fuzz' }),
  modelAliasSet: (w) => ({ versionId: w.version, alias: 'staging', reason: 'fuzz' }),
  modelArchive: (w) => ({ modelId: w.model2, reason: 'fuzz' }),
  modelRegister: (_w, n) => ({ name: `model ${n}`, tags: ['a'], metadata: { a: 1 } }),
  modelReplace: (w) => ({ modelId: w.model2, replacedById: w.model, reason: 'fuzz' }),
  modelRestore: (w) => ({ modelId: w.model2, reason: 'fuzz' }),
  modelUpdate: (w, n) => ({
    modelId: w.model2,
    description: `fuzz ${n}`,
    metadata: { fuzz: n },
    addTags: ['fuzz'],
  }),
  modelVersionCreate: (w, n) => ({
    modelId: w.model,
    version: `v-${n}`,
    derivedFrom: [w.version],
    trainedOn: [{ datasetId: w.dataset, properties: { rows: 10 } }],
  }),
  modelVersionPromote: (w) => ({ versionId: w.version, reason: 'fuzz' }),
  modelVersionArchive: (w) => ({ versionId: w.version2, reason: 'fuzz' }),
  modelVersionRestore: (w) => ({ versionId: w.version2, reason: 'fuzz' }),
  modelVersionUpdate: (w, n) => ({
    versionId: w.version,
    description: `fuzz ${n}`,
    metadata: { fuzz: n },
    reason: 'fuzz',
  }),
  priceSet: () => ({
    provider: 'openai',
    modelPattern: 'gpt-fuzz*',
    inputPerMillion: 1,
    outputPerMillion: 2,
  }),
  promotionPolicySet: () => ({ requireApproval: true, requiredChecks: ['GDPR'] }),
  userCreate: (_w, n) => ({ name: `user ${n}`, role: 'VIEWER', email: `u${n}@example.com` }),
  webhookCreate: (w, n) => ({
    url: `https://hooks.example.com/fuzz/${n}`,
    events: ['MODEL_CREATED', 'BUDGET_THRESHOLD_CROSSED'],
    filter: { modelIds: [w.model], aliases: ['staging'], environments: ['production'] },
    description: `fuzz ${n}`,
  }),
  webhookDelete: (w) => ({ id: w.spareWebhook }),
  webhookRedeliver: (w) => ({ deliveryId: w.webhookDelivery }),
  webhookRotateSecret: (w) => ({ id: w.webhook, graceHours: 1 }),
  webhookTest: (w) => ({ id: w.webhook }),
  webhookUpdate: (w, n) => ({
    id: w.webhook,
    url: `https://hooks.example.com/fuzz-updated/${n}`,
    events: ['MODEL_UPDATED'],
    filter: { aliases: ['production'] },
    description: `fuzz ${n}`,
    enabled: true,
  }),
};

// ---------------------------------------------------------------------------------------------
// Values by GraphQL input type.

const NODE_KINDS = [
  'Model',
  'ModelVersion',
  'Dataset',
  'Deployment',
  'Experiment',
  'User',
  'Organization',
  'GraphEdge',
  'Approval',
  'Artifact',
  'ApiToken',
  'Webhook',
  'WebhookDelivery',
];

function hostileId(): fc.Arbitrary<unknown> {
  const own = Object.values(A).filter((value): value is string => typeof value === 'string');
  const other = Object.values(B).filter((value): value is string => typeof value === 'string');
  const b64 = (text: string) => btoa(unescape(encodeURIComponent(text)));
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...own) },
    { weight: 3, arbitrary: fc.constantFrom(...other) },
    { weight: 2, arbitrary: fc.constantFrom(...NODE_KINDS).map((kind) => unknownId(kind)) },
    {
      weight: 2,
      // Well-formed global IDs naming a kind that does not match the field.
      arbitrary: fc
        .tuple(fc.constantFrom(...own, ...other), fc.constantFrom(...NODE_KINDS))
        .map(([id, kind]) => globalId(kind, rowId(id))),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        'abc',
        '!!!not-base64!!!',
        b64('Model:'),
        b64(':'),
        b64('Nope:123'),
        b64("Model:' OR 1=1 --"),
        b64('Model:\u0000'),
        b64(`Model:${'x'.repeat(5000)}`),
        b64(`${'Model'.repeat(1000)}:1`),
        crypto.randomUUID(),
        'TW9kZWw6',
      ),
    },
    { weight: 1, arbitrary: hostileString },
  );
}

function scalarValue(name: string, small: boolean): fc.Arbitrary<unknown> {
  switch (name) {
    case 'ID':
      return small
        ? fc.constantFrom(A.model, B.model, A.version, B.version, '', 'abc')
        : hostileId();
    case 'String':
      return small ? smallHostileString : hostileString;
    case 'Int':
      return hostileInt;
    case 'SafeInt':
      return hostileSafeInt;
    case 'Float':
      return hostileFloat;
    case 'Boolean':
      return fc.boolean();
    case 'DateTime':
      return hostileDate;
    case 'JSON':
      return small ? fc.jsonValue({ maxDepth: 2 }) : hostileJson;
    default:
      throw new Error(`The fuzzer has no values for scalar ${name}: add them`);
  }
}

/** A value for a GraphQL input type: mostly of the right type, sometimes of the wrong one. */
function valueFor(type: GraphQLInputType, depth = 0, small = false): fc.Arbitrary<unknown> {
  const right = rightTypedValue(type, depth, small);
  return fc.oneof({ weight: 12, arbitrary: right }, { weight: 1, arbitrary: anyJsonValue });
}

function rightTypedValue(
  type: GraphQLInputType,
  depth: number,
  small: boolean,
): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return rightTypedValue(type.ofType, depth, small);
  if (isListType(type)) {
    const item = valueFor(type.ofType, depth + 1, small);
    if (small) return fc.array(item, { maxLength: 2 });
    // The items of a long list are small: no huge strings, deep JSON or long lists inside.
    const smallItem = valueFor(type.ofType, depth + 1, true);
    return fc.oneof(
      { weight: 4, arbitrary: fc.array(item, { maxLength: 3 }) },
      // Long lists of one value: batch limits and D1's 100 bound parameters.
      {
        weight: 1,
        arbitrary: fc
          .tuple(smallItem, fc.constantFrom(101, 1_001))
          .map(([value, length]) => Array.from({ length }, () => value)),
      },
    );
  }
  if (isEnumType(type)) {
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...type.getValues().map((value) => value.name)) },
      { weight: 1, arbitrary: fc.constantFrom('NOPE', 'drop table', '', 'approve') },
    );
  }
  if (isScalarType(type)) return scalarValue(type.name, small);
  if (isInputObjectType(type)) return objectValue(type, depth, small);
  throw new Error(`unexpected input type ${String(type)}`);
}

function objectValue(
  type: GraphQLInputObjectType,
  depth: number,
  small = false,
): fc.Arbitrary<unknown> {
  if (depth > 4) return fc.constant({});
  const fields = Object.values(type.getFields());
  const entries = fields.map((field) => {
    const value = valueFor(field.type, depth + 1, small);
    // Required fields are present most of the time; optional ones half of the time.
    const presence = isNonNullType(field.type) ? 0.9 : 0.5;
    return fc
      .tuple(fc.double({ min: 0, max: 1, noNaN: true }), value)
      .map(([roll, generated]) => (roll < presence ? [[field.name, generated]] : []));
  });
  return fc.tuple(...entries).map((pairs) => Object.fromEntries(pairs.flat()));
}

interface FieldPath {
  path: (string | number)[];
  type: GraphQLInputType;
}

/** Every input field reachable from a type (lists entered at index 0), a few levels deep. */
function fieldPaths(
  type: GraphQLInputType,
  prefix: (string | number)[] = [],
  depth = 0,
): FieldPath[] {
  const named = getNamedType(type);
  if (!isInputObjectType(named) || depth > 4) return [];
  const paths: FieldPath[] = [];
  for (const field of Object.values(named.getFields())) {
    const path = [...prefix, field.name];
    paths.push({ path, type: field.type });
    let inner: GraphQLInputType = field.type;
    if (isNonNullType(inner)) inner = inner.ofType;
    if (isListType(inner)) paths.push(...fieldPaths(inner.ofType, [...path, 0], depth + 1));
    else paths.push(...fieldPaths(inner, path, depth + 1));
  }
  return paths;
}

function setAt(
  target: Record<string, unknown>,
  path: (string | number)[],
  value: unknown,
  remove: boolean,
) {
  // biome-ignore lint/suspicious/noExplicitAny: walks an arbitrary JSON value by path
  let node: any = target;
  for (let index = 0; index < path.length - 1; index += 1) {
    const key = path[index] as string | number;
    if (node[key] === null || typeof node[key] !== 'object') {
      node[key] = typeof path[index + 1] === 'number' ? [] : {};
    }
    node = node[key];
  }
  const last = path[path.length - 1] as string | number;
  if (remove) delete node[last];
  else node[last] = value;
}

type Edit =
  | { kind: 'replace' | 'remove'; path: (string | number)[]; value?: unknown }
  | { kind: 'extra'; key: string; value: unknown };

function inputArbitrary(mutation: string): fc.Arbitrary<{ variables: unknown; label: string }> {
  const field = mutationFields[mutation];
  const inputArg = field?.args.find((arg) => arg.name === 'input');
  if (!field || !inputArg) throw new Error(`${mutation} has no input argument`);
  const baseline = BASELINES[mutation];
  if (!baseline) throw new Error(`${mutation} has no baseline input in BASELINES`);
  const paths = fieldPaths(inputArg.type);
  const edit: fc.Arbitrary<Edit> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .constantFrom(...paths)
        .chain((target) =>
          valueFor(target.type).map(
            (value): Edit => ({ kind: 'replace', path: target.path, value }),
          ),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...paths)
        .map((target): Edit => ({ kind: 'remove', path: target.path })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('extra', '__proto__', 'constructor', 'id', 'orgId', 'org_id'),
          anyJsonValue,
        )
        .map(([key, value]): Edit => ({ kind: 'extra', key, value })),
    },
  );
  const nonce = fc.integer({ min: 0, max: 1_000_000_000 }).map(String);
  const mutatedBaseline = fc
    .tuple(nonce, fc.array(edit, { minLength: 1, maxLength: 2 }))
    .map(([n, edits]) => {
      const input = structuredClone(baseline(A, n));
      for (const change of edits) {
        if (change.kind === 'extra') input[change.key] = change.value;
        else setAt(input, change.path, change.value, change.kind === 'remove');
      }
      return {
        variables: { input },
        label: `baseline+${edits.map((e) => (e.kind === 'extra' ? `extra:${e.key}` : `${e.kind}:${e.path.join('.')}`)).join(',')}`,
      };
    });
  const fromSchema = objectValue(getNamedType(inputArg.type) as GraphQLInputObjectType, 0).map(
    (input) => ({
      variables: { input },
      label: 'schema-random',
    }),
  );
  const wrongShape = fc
    .oneof(fc.constant(undefined), anyJsonValue)
    .map((input) => ({ variables: input === undefined ? {} : { input }, label: 'wrong-shape' }));
  const unmodified = nonce.map((n) => ({
    variables: { input: baseline(A, n) },
    label: 'baseline',
  }));
  return fc.oneof(
    { weight: 8, arbitrary: mutatedBaseline },
    { weight: 3, arbitrary: fromSchema },
    { weight: 1, arbitrary: wrongShape },
    { weight: 1, arbitrary: unmodified },
  );
}

// ---------------------------------------------------------------------------------------------
// The database digest: per table, row count, max rowid and max updated_at, in one statement.

let digestSql = '';

async function prepareDigest() {
  const tables = await env.DB.prepare(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' ORDER BY name",
  ).all<{ name: string; sql: string }>();
  const parts: string[] = [];
  for (const table of tables.results) {
    const columns = await env.DB.prepare('SELECT name FROM pragma_table_info(?)')
      .bind(table.name)
      .all<{ name: string }>();
    const names = new Set(columns.results.map((column) => column.name));
    const quoted = `"${table.name}"`;
    parts.push(`'${table.name}', (SELECT count(*) FROM ${quoted})`);
    if (!/WITHOUT ROWID/i.test(table.sql) && !/^CREATE VIRTUAL/i.test(table.sql)) {
      parts.push(`'${table.name}.rowid', (SELECT max(rowid) FROM ${quoted})`);
    }
    if (names.has('updated_at'))
      parts.push(`'${table.name}.updated_at', (SELECT max(updated_at) FROM ${quoted})`);
  }
  // SQLite takes at most 127 arguments per function: one json_object per 50 key-value pairs.
  const chunks: string[] = [];
  for (let start = 0; start < parts.length; start += 50) {
    chunks.push(`json_object(${parts.slice(start, start + 50).join(', ')})`);
  }
  digestSql = `SELECT json_array(${chunks.join(', ')}) AS digest`;
}

async function databaseDigest(): Promise<string> {
  const row = await env.DB.prepare(digestSql).first<{ digest: string }>();
  return row?.digest ?? '';
}

// ---------------------------------------------------------------------------------------------

const ROLES = ['ADMIN', 'ADMIN', 'ADMIN', 'ADMIN', 'EDITOR', 'REVIEWER', 'VIEWER'] as const;
const tally = { cases: 0, accepted: 0, typedErrors: 0, topLevelErrors: 0, skippedTooLarge: 0 };
const timing = { fetch: 0, digest: 0 };
const codes = new Map<string, number>();

function operationFor(mutation: string): string {
  const inputArg = mutationFields[mutation]?.args.find((arg) => arg.name === 'input');
  return `mutation Fuzz($input: ${String(inputArg?.type)}) { result: ${mutation}(input: $input) { __typename ... on Error { message path } } }`;
}

async function checkOneCase(mutation: string, role: (typeof ROLES)[number], variables: unknown) {
  const body = toJsonBody({ query: operationFor(mutation), variables });
  if (body.length > MAX_BODY_BYTES) {
    tally.skippedTooLarge += 1;
    return;
  }
  tally.cases += 1;
  const digestStarted = Date.now();
  const before = await databaseDigest();
  timing.digest += Date.now() - digestStarted;
  const started = Date.now();
  const response = await SELF.fetch('http://registry.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${A.org.tokens[role]}`,
    },
    body,
  });
  const text = await response.text();
  timing.fetch += Date.now() - started;
  const summary = `${mutation} as ${role}: ${response.status} ${text.slice(0, 600)}`;
  expect(response.status, summary).toBeLessThan(500);
  expect(text, summary).not.toContain('Unexpected error');
  expect(text, summary).not.toMatch(/SQLITE_|D1_ERROR|\bat [\w.$<>]+ \(|sqlite_master/);
  const parsed = JSON.parse(text) as {
    data?: { result?: { __typename: string; path?: unknown } | null } | null;
    errors?: { message: string; extensions?: { code?: unknown } }[];
  };
  let rejected: boolean;
  if (parsed.errors && parsed.errors.length > 0) {
    for (const error of parsed.errors) {
      expect(typeof error.extensions?.code, summary).toBe('string');
      const code = String(error.extensions?.code);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    tally.topLevelErrors += 1;
    rejected = true;
  } else {
    const result = parsed.data?.result;
    expect(result, summary).toBeTruthy();
    if (result?.__typename.endsWith('Payload')) {
      tally.accepted += 1;
      rejected = false;
    } else {
      expect(Array.isArray(result?.path), summary).toBe(true);
      tally.typedErrors += 1;
      codes.set(result?.__typename ?? '?', (codes.get(result?.__typename ?? '?') ?? 0) + 1);
      rejected = true;
    }
  }
  if (rejected)
    expect(await databaseDigest(), `database changed by a rejected request: ${summary}`).toBe(
      before,
    );
}

function seedFor(mutation: string): number {
  let hash = BASE_SEED | 0;
  for (const char of mutation) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

describe('mutation fuzzing', () => {
  beforeAll(async () => {
    A = await buildOrgWorld('fuzz-a');
    B = await buildOrgWorld('fuzz-b');
    await prepareDigest();
  }, 60_000);

  afterAll(() => {
    console.log(
      `mutation fuzz: seed ${BASE_SEED}, ${tally.cases} cases over ${MUTATIONS.length} mutations ` +
        `(${tally.accepted} accepted, ${tally.typedErrors} typed errors, ${tally.topLevelErrors} top-level errors, ` +
        `${tally.skippedTooLarge} bodies over ${MAX_BODY_BYTES} bytes not sent); ` +
        `answers: ${JSON.stringify(Object.fromEntries([...codes].sort()))}; ms ${JSON.stringify(timing)}`,
    );
  });

  it('has an input generator for every mutation in the schema', () => {
    expect(MUTATIONS.length).toBeGreaterThan(20);
    expect(MUTATIONS.filter((name) => !BASELINES[name])).toEqual([]);
    expect(Object.keys(BASELINES).filter((name) => !mutationFields[name])).toEqual([]);
  });

  for (const mutation of MUTATIONS) {
    it(`${mutation}: hostile input is answered, never crashes, and a rejected one writes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(
          inputArbitrary(mutation),
          fc.constantFrom(...ROLES),
          async (generated, role) => {
            await checkOneCase(mutation, role, generated.variables);
          },
        ),
        { seed: seedFor(mutation), numRuns: FUZZ_RUNS_PER_MUTATION, endOnFailure: true },
      );
    }, 120_000);
  }
});
