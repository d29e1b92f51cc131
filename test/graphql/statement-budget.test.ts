// D1 statement budget (issue 8): no request may run more D1 statements than the Free plan allows
// per Worker invocation (50). The most expensive operations that still pass the query limits are
// built from the schema: every field of every type down to a depth, connections at a page size,
// and the largest such operation the complexity/breadth/depth limits accept is the one measured.
// Every root Query field is covered (the test fails when one is missing), and the largest batch
// mutations are measured too. The count is the Worker's x-d1-statements header.
import {
  type GraphQLField,
  type GraphQLNamedType,
  getNamedType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
  Kind,
  parse,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.ts';
import {
  globalId,
  seedDataset,
  seedExperiment,
  seedModel,
  seedVersion,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';

/** D1's Free plan: queries per Worker invocation. */
const STATEMENT_BUDGET = 50;
const DAY = 86_400_000;
const FROM = new Date(Date.now() - 7 * DAY).toISOString();
const TO = new Date(Date.now() + 60_000).toISOString();

// Arguments for fields whose required arguments have no default. A field with required arguments
// that is not listed here is left out of the generated selections (and reported in the log).
const REQUIRED_ARGS: Record<string, string> = {
  'Model.alias': '(name: "production")',
  'Model.aliasAt': `(alias: "production", at: "${TO}")`,
  'Model.version': '(version: "1.0.0")',
  'Model.metricSeries': '(type: ACCURACY, granularity: DAY)',
  'Model.metricStats': '(type: ACCURACY)',
  'Model.usageTrends': '(granularity: DAY)',
  'ModelVersion.metricSeries': '(type: ACCURACY, granularity: DAY)',
  'ModelVersion.metricStats': '(type: ACCURACY)',
};
const skippedFields = new Set<string>();

function fieldArgs(
  parent: string,
  field: GraphQLField<unknown, unknown>,
  first: number,
): string | null {
  const key = `${parent}.${field.name}`;
  const required = field.args.filter(
    (arg) => isNonNullType(arg.type) && arg.defaultValue === undefined,
  );
  if (required.length > 0 && !REQUIRED_ARGS[key]) {
    skippedFields.add(key);
    return null;
  }
  const given = REQUIRED_ARGS[key]?.slice(1, -1) ?? '';
  const paged = field.args.some((arg) => arg.name === 'first') ? `first: ${first}` : '';
  const all = [given, paged].filter(Boolean).join(', ');
  return all ? `(${all})` : '';
}

/**
 * Every field of a type down to `depth` levels of objects, connections at `first` entries. Fields
 * of a selection set and of the fragments inside it share `seen`: a field whose name another
 * fragment already selected with another type or arguments is left out (GraphQL would refuse
 * the overlap).
 */
function selectAll(
  type: GraphQLNamedType,
  depth: number,
  first: number,
  seen = new Map<string, string>(),
): string {
  if (isUnionType(type)) {
    return `__typename ${type
      .getTypes()
      .map((member) => `... on ${member.name} { ${selectAll(member, depth, first, seen)} }`)
      .join(' ')}`;
  }
  if (!isObjectType(type) && !isInterfaceType(type)) return '';
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    const args = fieldArgs(type.name, field, first);
    if (args === null) continue;
    if (withoutLineage && field.name === 'lineage') continue;
    const named = getNamedType(field.type);
    if (!isLeafType(named) && depth === 0) continue;
    const signature = `${String(field.type)}|${args}`;
    if ((seen.get(field.name) ?? signature) !== signature) continue;
    seen.set(field.name, signature);
    if (isLeafType(named)) parts.push(`${field.name}${args}`);
    else parts.push(`${field.name}${args} { ${selectAll(named, depth - 1, first)} }`);
  }
  if (isInterfaceType(type) && depth > 0) {
    for (const member of schema.getPossibleTypes(type)) {
      parts.push(`... on ${member.name} { ${selectAll(member, depth - 1, first, seen)} }`);
    }
  }
  return parts.join(' ');
}

function rootSelection(field: string, args: string, depth: number, first: number): string {
  const definition = schema.getQueryType()?.getFields()[field];
  if (!definition) throw new Error(`no Query.${field}`);
  const named = getNamedType(definition.type);
  return isLeafType(named)
    ? `${field}${args}`
    : `${field}${args} { ${selectAll(named, depth, first)} }`;
}

interface Spec {
  name: string;
  /** The operation at a selection depth and nested page size. */
  build: (depth: number, first: number) => string;
  variables?: () => Record<string, unknown>;
}

// Largest first: selection depth (a connection is two levels: edges, node) and nested page size.
// Each is tried with lineage walks everywhere, then without them (a walk is priced at 2,000, so a
// list of parents with lineage rarely fits): the first the limits accept is measured.
const ATTEMPTS: [number, number][] = [
  [6, 5],
  [5, 5],
  [4, 5],
  [4, 2],
  [3, 5],
  [3, 2],
  [2, 5],
  [1, 5],
  [0, 1],
];
let withoutLineage = false;

interface World {
  org: TestOrg;
  modelIds: string[];
  versionIds: string[];
  chainRoot: string;
  chainTip: string;
  dataset: string;
  experiment: string;
  deployment: string;
  approval: string;
  artifact: string;
  edge: string;
}
let w: World;

const root =
  (field: string, args = '') =>
  (depth: number, first: number) =>
    `query { ${rootSelection(field, args, depth, first)} }`;

const SPECS: Spec[] = [
  // First: the first read that searches after the seeding is the one that embeds the versions.
  {
    name: 'modelsSearch, topK 100, first search after 280 new versions (embeds them)',
    build: root('modelsSearch', '(text: "chain model version", topK: 100)'),
  },
  { name: 'models: a page of 100 with every nested field', build: root('models', '(first: 100)') },
  {
    name: 'models: filtered and ordered, last 100',
    build: root(
      'models',
      '(last: 100, filter: { text: "m", tagsAny: ["t"] }, orderBy: { field: NAME, direction: DESC })',
    ),
  },
  {
    name: 'model by name, everything',
    build: (d, n) => `query { ${rootSelection('model', '(name: "chain")', d, n)} }`,
  },
  {
    name: 'lineage of the chain model (large graph) with nodeInfo',
    build: (d, n) =>
      `query($id: ID!) { node(id: $id) { ... on ModelVersion { lineage(direction: BOTH, first: 100) { ${selectAll(schema.getType('LineageGraph') as GraphQLNamedType, d, n)} } } } }`,
    variables: () => ({ id: w.chainRoot }),
  },
  {
    name: 'impact of the chain root',
    build: (d, n) => `query($id: ID!) { ${rootSelection('impact', '(of: $id)', d, n)} }`,
    variables: () => ({ id: w.chainRoot }),
  },
  {
    name: 'impact of the shared dataset',
    build: (d, n) => `query($id: ID!) { ${rootSelection('impact', '(of: $id)', d, n)} }`,
    variables: () => ({ id: w.dataset }),
  },
  {
    name: 'lineagePath across the chain',
    build: (d, n) =>
      `query($a: ID!, $b: ID!) { ${rootSelection('lineagePath', '(from: $a, to: $b)', d, n)} }`,
    variables: () => ({ a: w.chainTip, b: w.chainRoot }),
  },
  {
    name: 'abTestCompare over 5 models',
    build: (d, n) =>
      `query($ids: [ID!]) { ${rootSelection('abTestCompare', `(modelIds: $ids, from: "${FROM}", to: "${TO}")`, d, n)} }`,
    variables: () => ({ ids: w.modelIds.slice(0, 5) }),
  },
  {
    name: 'abTestCompare by experiment',
    build: (d, n) =>
      `query($id: ID) { ${rootSelection('abTestCompare', `(experimentId: $id, armsBy: VERSION, from: "${FROM}", to: "${TO}")`, d, n)} }`,
    variables: () => ({ id: w.experiment }),
  },
  {
    name: 'roiFrontier over 20 models',
    build: (d, n) =>
      `query($ids: [ID!]!) { ${rootSelection('roiFrontier', `(modelIds: $ids, from: "${FROM}", to: "${TO}")`, d, n)} }`,
    variables: () => ({ ids: w.modelIds.slice(0, 20) }),
  },
  {
    name: 'modelComparison over 20 models',
    build: (d, n) =>
      `query($ids: [ID!]!) { ${rootSelection('modelComparison', '(modelIds: $ids, metricType: ACCURACY)', d, n)} }`,
    variables: () => ({ ids: w.modelIds.slice(0, 20) }),
  },
  { name: 'metricAlerts (all models)', build: root('metricAlerts', '(minSamples: 2)') },
  { name: 'auditEvents, 100', build: root('auditEvents', '(first: 100)') },
  { name: 'datasets, 100', build: root('datasets', '(first: 100)') },
  { name: 'deployments, 100', build: root('deployments', '(first: 100)') },
  { name: 'experiments, 100', build: root('experiments', '(first: 100)') },
  { name: 'users, 100', build: root('users', '(first: 100)') },
  { name: 'pendingApprovals, 100', build: root('pendingApprovals', '(first: 100)') },
  { name: 'prices, 100', build: root('prices', '(first: 100)') },
  { name: 'providerModelMaps', build: root('providerModelMaps') },
  { name: 'webhooks', build: root('webhooks') },
  { name: 'budgets', build: root('budgets') },
  {
    name: 'usageAttribution by API token, 500',
    build: root('usageAttribution', `(by: API_TOKEN, from: "${FROM}", to: "${TO}", first: 500)`),
  },
  {
    name: 'unmatchedUsage, 100 and 100',
    build: root('unmatchedUsage', '(groups: 100, examples: 100)'),
  },
  {
    name: 'inferenceRequests of a trace',
    build: root('inferenceRequests', '(traceId: "0af7651916cd43dd8448eb211c80319c")'),
  },
  { name: 'promotionPolicy', build: root('promotionPolicy') },
  { name: 'organization', build: root('organization') },
  { name: 'viewer', build: root('viewer') },
  {
    name: 'modelsSearch, topK 100, embeddings current',
    build: root('modelsSearch', '(text: "another model version", topK: 100)'),
  },
  {
    name: 'artifact',
    build: (d, n) => `query($id: ID!) { ${rootSelection('artifact', '(id: $id)', d, n)} }`,
    variables: () => ({ id: w.artifact }),
  },
  {
    name: 'node: every type',
    build: (d, n) => `query($ids: [ID!]!) { ${rootSelection('nodes', '(ids: $ids)', d, n)} }`,
    variables: () => ({ ids: nodeIdsOfEveryType() }),
  },
  {
    name: 'node: one model',
    build: (d, n) => `query($id: ID!) { ${rootSelection('node', '(id: $id)', d, n)} }`,
    variables: () => ({ id: w.modelIds[0] }),
  },
  {
    name: 'nodes: 100 models',
    build: (d, n) => `query($ids: [ID!]!) { ${rootSelection('nodes', '(ids: $ids)', d, n)} }`,
    variables: () => ({ ids: w.modelIds.slice(0, 100) }),
  },
  {
    name: 'nodes: 100 versions',
    build: (d, n) => `query($ids: [ID!]!) { ${rootSelection('nodes', '(ids: $ids)', d, n)} }`,
    variables: () => ({ ids: w.versionIds.slice(0, 100) }),
  },
];

function nodeIdsOfEveryType(): string[] {
  return [
    w.modelIds[0] as string,
    w.versionIds[0] as string,
    w.dataset,
    w.experiment,
    w.deployment,
    w.approval,
    w.artifact,
    w.edge,
    globalId('User', w.org.admin.userId),
    globalId('Organization', w.org.orgId),
  ];
}

/**
 * Measured over the budget, left to the owners of these capabilities: each is asserted to be still
 * over it, so that fixing one fails here until it is moved out. Empty since issue 8's fixes (bulk
 * edge and audit inserts, constant-cost embedding refresh, batched User.apiTokens); the
 * regression tests next to each domain's tests keep those costs constant as inputs grow.
 */
const KNOWN_OVER_BUDGET: Record<string, string> = {};

function expectWithinBudget(name: string, statements: number) {
  if (KNOWN_OVER_BUDGET[name]) {
    expect(
      statements,
      `${name} is within budget now: remove it from KNOWN_OVER_BUDGET`,
    ).toBeGreaterThan(STATEMENT_BUDGET);
  } else {
    expect(statements, name).toBeLessThanOrEqual(STATEMENT_BUDGET);
  }
}

const highest: {
  name: string;
  statements: number;
  depth: number;
  first: number;
  lineage: boolean;
}[] = [];

async function measure(spec: Spec) {
  const attempts = ATTEMPTS.flatMap(([depth, first]) => [
    { depth, first, lineage: true },
    { depth, first, lineage: false },
  ]);
  for (const { depth, first, lineage } of attempts) {
    withoutLineage = !lineage;
    const query = spec.build(depth, first);
    withoutLineage = false;
    const response = await gql(w.org.admin.token, query, spec.variables?.() ?? {});
    // Past a query limit (cost, breadth, depth, tokens) or the body cap: try a smaller one.
    const tooBig = response.errors?.some((error) =>
      ['QUERY_TOO_COMPLEX', 'PAYLOAD_TOO_LARGE'].includes(String(error.extensions?.code)),
    );
    if (tooBig) continue;
    expect(response.status, `${spec.name}: ${JSON.stringify(response.errors)}`).toBe(200);
    expect(
      response.errors,
      `${spec.name}: ${JSON.stringify(response.errors)?.slice(0, 2000)}`,
    ).toBeUndefined();
    return { statements: response.statements, depth, first, lineage };
  }
  throw new Error(`${spec.name}: no attempt passed the query limits`);
}

const MUTATION_RESULTS: { name: string; statements: number }[] = [];

async function gqlOk(
  name: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
) {
  const response = await gql(token ?? w.org.admin.token, query, variables);
  const result = Object.values(response.data ?? {})[0] as { __typename?: string } | undefined;
  expect(result?.__typename, `${name}: ${JSON.stringify(response).slice(0, 1500)}`).toMatch(
    /Payload$/,
  );
  MUTATION_RESULTS.push({ name, statements: response.statements });
  // biome-ignore lint/suspicious/noExplicitAny: callers read the payload fields they selected
  return { response, result: result as any };
}

describe('D1 statement budget', () => {
  beforeAll(async () => {
    const org = await createTestOrg('budget');
    const datasets = await Promise.all(['d-a', 'd-b', 'd-c'].map((name) => seedDataset(org, name)));
    const experiment = await seedExperiment(org, 'exp');
    // A chain of 60 versions of one model, each derived from the one before (a deep graph).
    const chain = await seedModel(org, 'chain', { tags: ['t'] });
    const chainVersions: string[] = [];
    for (let index = 0; index < 60; index += 1) {
      const version = await seedVersion(org, chain.id, index === 0 ? '1.0.0' : `1.0.${index}`, {
        derivedFrom: chainVersions.length
          ? [chainVersions[chainVersions.length - 1] as string]
          : [],
        trainedOn: [{ datasetId: (datasets[index % 3] as { id: string }).id }],
      });
      chainVersions.push(version.id);
    }
    // 110 models with two versions each, derived from the chain (a wide graph).
    const modelIds: string[] = [];
    const versionIds: string[] = [];
    for (let start = 0; start < 110; start += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, async (_, offset) => {
          const index = start + offset;
          const model = await seedModel(org, `m-${index}`, {
            tags: ['t', `g${index % 5}`],
            provider: 'openai',
          });
          const v1 = await seedVersion(org, model.id, '1.0.0', {
            derivedFrom: [chainVersions[index % chainVersions.length] as string],
            trainedOn: [
              {
                datasetId: (datasets[index % 3] as { id: string }).id,
                properties: { split: 'train' },
              },
            ],
            evaluatedOn: [{ datasetId: (datasets[(index + 1) % 3] as { id: string }).id }],
          });
          const v2 = await seedVersion(org, model.id, '2.0.0', { derivedFrom: [v1.id] });
          return { model: model.id, versions: [v1.id, v2.id] };
        }),
      );
      for (const entry of batch) {
        modelIds.push(globalId('Model', entry.model));
        versionIds.push(...entry.versions.map((id) => globalId('ModelVersion', id)));
      }
    }
    w = {
      org,
      modelIds,
      versionIds,
      chainRoot: globalId('ModelVersion', chainVersions[0] as string),
      chainTip: globalId('ModelVersion', chainVersions[chainVersions.length - 1] as string),
      dataset: globalId('Dataset', (datasets[0] as { id: string }).id),
      experiment: globalId('Experiment', experiment.id),
      deployment: '',
      approval: '',
      artifact: '',
      edge: '',
    };
  }, 300_000);

  afterAll(() => {
    const rows = [
      ...highest.map(
        (entry) =>
          `${entry.statements}\t${entry.name} (depth ${entry.depth}, nested first ${entry.first}${entry.lineage ? '' : ', no nested lineage'})`,
      ),
      ...MUTATION_RESULTS.map((entry) => `${entry.statements}\t${entry.name}`),
    ];
    console.log(`D1 statements per request (budget ${STATEMENT_BUDGET}):\n${rows.join('\n')}`);
    if (skippedFields.size)
      console.log(`fields left out (required arguments): ${[...skippedFields].sort().join(', ')}`);
  });

  it('keeps the largest batch mutations within the budget', async () => {
    const deployment = await gqlOk(
      'deploymentCreate with 50 versions',
      'mutation($i: DeploymentCreateInput!) { r: deploymentCreate(input: $i) { __typename ... on DeploymentCreatePayload { deployment { id } } ... on Error { message } } }',
      {
        i: {
          name: 'prod',
          environment: 'production',
          modelVersions: w.versionIds
            .slice(0, 50)
            .map((versionId) => ({ versionId, properties: { traffic: 0.02 } })),
        },
      },
    );
    w.deployment = deployment.result.deployment.id;
    await gqlOk(
      'modelVersionCreate with 20 parents and 3+3 datasets',
      'mutation($i: ModelVersionCreateInput!) { r: modelVersionCreate(input: $i) { __typename ... on Error { message } } }',
      {
        i: {
          modelId: w.modelIds[0],
          version: '9.0.0',
          derivedFrom: w.versionIds.slice(2, 22),
          trainedOn: [{ datasetId: w.dataset }],
          evaluatedOn: [{ datasetId: w.dataset }],
        },
      },
    );
    const points = Array.from({ length: 1000 }, (_, index) => ({
      versionId: w.versionIds[index % 10],
      type: 'ACCURACY',
      value: 0.5 + (index % 50) / 100,
      timestamp: new Date(Date.now() - (index % 144) * 3_600_000).toISOString(),
    }));
    await gqlOk(
      'metricsRecord with 1,000 points',
      'mutation($i: MetricsRecordInput!) { r: metricsRecord(input: $i) { __typename ... on Error { message path } } }',
      { i: { points } },
    );
    const requests = Array.from({ length: 1000 }, (_, index) => ({
      modelId: w.modelIds[index % 5],
      versionId: w.versionIds[(index % 5) * 2],
      experimentId: w.experiment,
      deploymentId: w.deployment,
      provider: 'openai',
      providerModel: 'gpt-budget',
      inputTokens: 100 + index,
      outputTokens: 50,
      latencyMs: 100 + (index % 37),
      status: index % 20 === 0 ? 'ERROR' : 'SUCCESS',
      quality: (index % 10) / 10,
      costUsd: 0.001 * (1 + (index % 3)),
      timestamp: new Date(Date.now() - (index % 100) * 3_600_000).toISOString(),
    }));
    await gqlOk(
      'inferenceTrack with 1,000 requests',
      'mutation($i: InferenceTrackInput!) { r: inferenceTrack(input: $i) { __typename ... on Error { message path } } }',
      { i: { requests } },
    );
    await gqlOk(
      'priceSet',
      'mutation($i: PriceSetInput!) { r: priceSet(input: $i) { __typename ... on Error { message path } } }',
      { i: { provider: 'openai', modelPattern: 'gpt-*', inputPerMillion: 1, outputPerMillion: 2 } },
    );
    const approval = await gqlOk(
      'approvalRequest with GDPR and SECURITY checks',
      'mutation($i: ApprovalRequestInput!) { r: approvalRequest(input: $i) { __typename ... on ApprovalRequestPayload { approval { id } } ... on Error { message path } } }',
      { i: { versionId: w.versionIds[0], checks: ['GDPR', 'SECURITY'] } },
      w.org.tokens.EDITOR,
    );
    w.approval = approval.result.approval.id;
    await gqlOk(
      'complianceCheckRun, all checks',
      'mutation($i: ComplianceCheckRunInput!) { r: complianceCheckRun(input: $i) { __typename ... on Error { message path } } }',
      { i: { approvalId: w.approval } },
    );
    const artifact = await gqlOk(
      'artifactUploadCreate',
      'mutation($i: ArtifactUploadCreateInput!) { r: artifactUploadCreate(input: $i) { __typename ... on ArtifactUploadCreatePayload { artifact { id } } ... on Error { message path } } }',
      {
        i: {
          versionId: w.versionIds[0],
          name: 'weights.bin',
          kind: 'WEIGHTS',
          sizeBytes: 10,
          sha256: 'a'.repeat(64),
        },
      },
    );
    w.artifact = artifact.result.artifact.id;
    await gqlOk(
      'datasetErasureRequest on a dataset under 40+ versions',
      'mutation($i: DatasetErasureRequestInput!) { r: datasetErasureRequest(input: $i) { __typename ... on Error { message path } } }',
      { i: { datasetId: globalId('Dataset', (await seedDataset(w.org, 'erased')).id) } },
    );
    const edges = await gql(
      w.org.admin.token,
      'query($id: ID!) { node(id: $id) { ... on ModelVersion { trainedOn(first: 1) { edges { edge { id } } } } } }',
      { id: w.versionIds[0] },
    );
    w.edge =
      edges.data?.node?.trainedOn?.edges?.[0]?.edge?.id ??
      globalId('GraphEdge', crypto.randomUUID());
    for (const entry of MUTATION_RESULTS) expectWithinBudget(entry.name, entry.statements);
  }, 120_000);

  it('covers every root Query field', () => {
    const covered = new Set<string>();
    for (const spec of SPECS) {
      const document = parse(spec.build(0, 1));
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        for (const selection of definition.selectionSet.selections) {
          if (selection.kind === Kind.FIELD) covered.add(selection.name.value);
        }
      }
    }
    const missing = Object.keys(schema.getQueryType()?.getFields() ?? {}).filter(
      (name) => !covered.has(name),
    );
    expect(missing).toEqual([]);
  });

  for (const spec of SPECS) {
    it(`stays within ${STATEMENT_BUDGET} statements: ${spec.name}`, async () => {
      const result = await measure(spec);
      highest.push({ name: spec.name, ...result });
      expectWithinBudget(spec.name, result.statements);
    }, 60_000);
  }
});
