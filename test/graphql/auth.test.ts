import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/viewer.ts';
import { registryConfig } from '../../src/config.ts';
import { RecordingEventSink } from '../../src/ports/event-sink.ts';
import { uploadArtifactPart } from '../../src/registry/artifact/artifact-multipart.service.ts';
import {
  createArtifactUpload,
  uploadArtifactBody,
} from '../../src/registry/artifact/artifact-upload.service.ts';
import { setBudget } from '../../src/registry/budget/budget.service.ts';
import { requestApproval } from '../../src/registry/governance/approval.service.ts';
import { setModelAlias } from '../../src/registry/model/model.service.ts';
import { setModelArchived } from '../../src/registry/model/model-lifecycle.service.ts';
import { setModelVersionArchived } from '../../src/registry/model/model-version-lifecycle.service.ts';
import { createRun } from '../../src/registry/run/run.service.ts';
import { setAutoPromotionRule } from '../../src/registry/usage/auto-promotion.service.ts';
import { setProviderModelMap } from '../../src/registry/usage/provider-model-map.service.ts';
import { trackInferences } from '../../src/registry/usage/usage.service.ts';
import { createApiToken } from '../../src/registry/user/user.service.ts';
import { createWebhook, testWebhook } from '../../src/registry/webhook/webhook.service.ts';
import { schema } from '../../src/schema/index.ts';
import { allowPromotionWithoutApproval } from '../governance/governance-fixtures.ts';
import {
  expectNothingWritten,
  fieldOf,
  globalId,
  rowCounts,
  seedDataset,
  seedDeployment,
  seedExperiment,
  seedModel,
  seedVersion,
  serviceDeps,
  topLevelError,
  unknownId,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg, testDb } from '../helpers/graphql.ts';

const Viewer = /* GraphQL */ `
  query Viewer {
    viewer { id role }
  }
`;

const ReadEverything = /* GraphQL */ `
  query ReadEverything($modelId: ID!) {
    organization { id }
    models { edges { node { id name } } }
    datasets { edges { node { id } } }
    deployments { edges { node { id } } }
    experiments { edges { node { id } } }
    users { edges { node { id role } } }
    node(id: $modelId) { id }
  }
`;

/**
 * Every mutation with an input that would succeed, and the scope it needs (src/auth/viewer.ts):
 * editor (EDITOR, ADMIN), reviewer (REVIEWER, ADMIN), admin (ADMIN). A test below checks that the
 * list names every mutation of the schema.
 */
const MUTATIONS: {
  field: string;
  scope: 'editor' | 'reviewer' | 'admin';
  input: (seed: Seed) => Record<string, unknown>;
}[] = [
  { field: 'modelRegister', scope: 'editor', input: () => ({ name: 'new-model' }) },
  {
    field: 'modelVersionCreate',
    scope: 'editor',
    input: (seed) => ({ modelId: seed.modelA, version: '3.0.0', derivedFrom: [seed.v1] }),
  },
  { field: 'modelVersionPromote', scope: 'editor', input: (seed) => ({ versionId: seed.v2 }) },
  {
    field: 'modelAliasSet',
    scope: 'editor',
    input: (seed) => ({ versionId: seed.v2, alias: 'champion' }),
  },
  {
    field: 'modelReplace',
    scope: 'editor',
    input: (seed) => ({ modelId: seed.modelA, replacedById: seed.modelB }),
  },
  {
    field: 'modelUpdate',
    scope: 'editor',
    input: (seed) => ({ modelId: seed.modelA, description: 'edited' }),
  },
  { field: 'modelArchive', scope: 'editor', input: (seed) => ({ modelId: seed.modelB }) },
  { field: 'modelRestore', scope: 'editor', input: (seed) => ({ modelId: seed.archivedModel }) },
  {
    field: 'modelVersionUpdate',
    scope: 'editor',
    input: (seed) => ({ versionId: seed.v2, description: 'edited', metadata: { lr: 0.1 } }),
  },
  { field: 'modelVersionArchive', scope: 'editor', input: (seed) => ({ versionId: seed.v2 }) },
  {
    field: 'modelVersionRestore',
    scope: 'editor',
    input: (seed) => ({ versionId: seed.archivedVersion }),
  },
  {
    field: 'modelAliasDelete',
    scope: 'editor',
    input: (seed) => ({ modelId: seed.modelA, alias: 'challenger' }),
  },
  { field: 'modelVersionDelete', scope: 'editor', input: (seed) => ({ versionId: seed.v2 }) },
  { field: 'modelDelete', scope: 'editor', input: (seed) => ({ modelId: seed.modelB }) },
  {
    field: 'datasetDelete',
    scope: 'editor',
    input: (seed) => ({ datasetId: seed.spareDataset }),
  },
  { field: 'datasetRegister', scope: 'editor', input: () => ({ name: 'new-dataset' }) },
  {
    field: 'datasetUpdate',
    scope: 'editor',
    input: (seed) => ({ datasetId: seed.dataset, name: 'renamed', metadata: { rows: 1 } }),
  },
  {
    field: 'deploymentUpdate',
    scope: 'editor',
    input: (seed) => ({ deploymentId: seed.deployment, description: 'edited' }),
  },
  {
    field: 'experimentUpdate',
    scope: 'editor',
    input: (seed) => ({ experimentId: seed.experiment, name: 'renamed' }),
  },
  {
    field: 'deploymentCreate',
    scope: 'editor',
    input: (seed) => ({
      name: 'new-deployment',
      environment: 'staging',
      modelVersions: [{ versionId: seed.v1, properties: { trafficShare: 1 } }],
    }),
  },
  { field: 'experimentCreate', scope: 'editor', input: () => ({ name: 'new-experiment' }) },
  { field: 'runCreate', scope: 'editor', input: (seed) => ({ experimentId: seed.experiment }) },
  {
    field: 'runLog',
    scope: 'editor',
    input: (seed) => ({ runId: seed.run, metrics: [{ key: 'loss', value: 0.5 }] }),
  },
  {
    field: 'runUpdate',
    scope: 'editor',
    input: (seed) => ({ runId: seed.run, status: 'FINISHED' }),
  },
  {
    field: 'lineageEdgeAdd',
    scope: 'editor',
    input: (seed) => ({ type: 'DERIVED_FROM', fromId: seed.v2, toId: seed.v1 }),
  },
  {
    field: 'lineageEdgeRemove',
    scope: 'editor',
    input: (seed) => ({ type: 'TRAINED_ON', fromId: seed.v1, toId: seed.dataset }),
  },
  { field: 'userCreate', scope: 'admin', input: () => ({ name: 'New person', role: 'VIEWER' }) },
  {
    field: 'apiTokenCreate',
    scope: 'admin',
    input: (seed) => ({ userId: seed.viewerUser, name: 'new-token' }),
  },
  { field: 'apiTokenRevoke', scope: 'admin', input: (seed) => ({ id: seed.spareToken }) },
  {
    field: 'approvalRequest',
    scope: 'editor',
    input: (seed) => ({ versionId: seed.v2, checks: ['SECURITY'] }),
  },
  {
    field: 'approvalReview',
    scope: 'reviewer',
    input: (seed) => ({ approvalId: seed.pendingApproval, decision: 'APPROVE', notes: 'ok' }),
  },
  {
    field: 'complianceCheckRun',
    scope: 'editor',
    input: (seed) => ({ versionId: seed.v2, checks: ['SECURITY'] }),
  },
  {
    field: 'datasetErasureRequest',
    scope: 'editor',
    input: (seed) => ({ datasetId: seed.dataset }),
  },
  {
    field: 'datasetGovernanceSet',
    scope: 'editor',
    input: (seed) => ({ datasetId: seed.dataset, governance: { containsPersonalData: false } }),
  },
  {
    field: 'promotionPolicySet',
    scope: 'admin',
    input: () => ({ requireApproval: true, requiredChecks: ['SECURITY'] }),
  },
  {
    field: 'inferenceScore',
    scope: 'editor',
    input: (seed) => ({
      requestId: seed.trackedRequest,
      name: 'quality',
      value: 1,
      source: 'USER',
    }),
  },
  {
    field: 'inferenceTrack',
    scope: 'editor',
    input: (seed) => ({
      request: {
        modelId: seed.modelA,
        versionId: seed.v1,
        provider: 'openai',
        providerModel: 'gpt-4o',
        inputTokens: 100,
        outputTokens: 20,
        latencyMs: 350,
        status: 'SUCCESS',
      },
    }),
  },
  {
    field: 'metricsRecord',
    scope: 'editor',
    input: (seed) => ({ points: [{ versionId: seed.v1, type: 'LATENCY', value: 120 }] }),
  },
  {
    field: 'providerModelMapSet',
    scope: 'admin',
    input: (seed) => ({ provider: 'openai', providerModel: 'gpt-4o*', modelId: seed.modelA }),
  },
  {
    field: 'providerModelMapDelete',
    scope: 'admin',
    input: (seed) => ({ id: seed.providerModelMap }),
  },
  {
    field: 'budgetSet',
    scope: 'admin',
    input: (seed) => ({ scope: 'MODEL', scopeId: seed.modelA, period: 'MONTH', limitUsd: 50 }),
  },
  {
    field: 'budgetDelete',
    scope: 'admin',
    input: (seed) => ({ id: seed.budget }),
  },
  {
    field: 'priceSet',
    scope: 'admin',
    input: () => ({
      provider: 'openai',
      modelPattern: 'gpt-4o',
      inputPerMillion: 2.5,
      outputPerMillion: 10,
    }),
  },
  {
    field: 'autoPromotionRuleSet',
    scope: 'editor',
    input: (seed) => ({
      modelId: seed.modelA,
      objective: 'QUALITY_UNDER_CEILINGS',
      maxLatencyMs: 2000,
    }),
  },
  { field: 'autoPromotionRun', scope: 'editor', input: (seed) => ({ modelId: seed.modelA }) },
  {
    field: 'artifactUploadCreate',
    scope: 'editor',
    input: (seed) => ({
      versionId: seed.v2,
      name: 'new.bin',
      kind: 'WEIGHTS',
      sizeBytes: 3,
      sha256: 'a'.repeat(64),
    }),
  },
  {
    field: 'artifactUploadComplete',
    scope: 'editor',
    input: (seed) => ({ artifactId: seed.uploadedMultipart }),
  },
  {
    field: 'artifactUploadAbort',
    scope: 'editor',
    input: (seed) => ({ artifactId: seed.pendingArtifact }),
  },
  {
    field: 'artifactDelete',
    scope: 'admin',
    input: (seed) => ({ artifactId: seed.completeArtifact, reason: 'superseded' }),
  },
  {
    field: 'webhookCreate',
    scope: 'admin',
    input: () => ({ url: 'https://hooks.example.com/new', events: ['MODEL_CREATED'] }),
  },
  {
    field: 'webhookUpdate',
    scope: 'admin',
    input: (seed) => ({ id: seed.webhook, description: 'edited' }),
  },
  { field: 'webhookDelete', scope: 'admin', input: (seed) => ({ id: seed.webhook }) },
  { field: 'webhookRotateSecret', scope: 'admin', input: (seed) => ({ id: seed.webhook }) },
  { field: 'webhookTest', scope: 'admin', input: (seed) => ({ id: seed.webhook }) },
  {
    field: 'webhookRedeliver',
    scope: 'admin',
    input: (seed) => ({ deliveryId: seed.webhookDelivery }),
  },
];

/** The operation for one mutation field: its result's type name, and the error if any. */
function mutationDocument(field: string): string {
  const name = `${field.charAt(0).toUpperCase()}${field.slice(1)}`;
  return /* GraphQL */ `
    mutation ${name}($input: ${name}Input!) {
      ${field}(input: $input) {
        __typename
        ... on Error { message path }
      }
    }
  `;
}

interface Seed {
  modelA: string;
  modelB: string;
  /** Archived, so that it can be restored. */
  archivedModel: string;
  v1: string;
  v2: string;
  /** Archived, so that it can be restored. */
  archivedVersion: string;
  dataset: string;
  /** No version is trained on it, so that it can be deleted. */
  spareDataset: string;
  deployment: string;
  experiment: string;
  /** A RUNNING run of the experiment. */
  run: string;
  viewerUser: string;
  spareToken: string;
  /** Requested by the EDITOR, so anyone else with the reviewer scope may decide it. */
  pendingApproval: string;
  /** A single-request upload started, no bytes sent. */
  pendingArtifact: string;
  /** A multipart upload with its only part received, ready to complete. */
  uploadedMultipart: string;
  completeArtifact: string;
  /** A provider model mapping, so that it can be deleted. */
  providerModelMap: string;
  /** An organization budget, so that it can be deleted. */
  budget: string;
  /** A tracked request (its row id), so that it can be scored. */
  trackedRequest: string;
  /** A webhook with one (test) delivery. */
  webhook: string;
  webhookDelivery: string;
}

/** Rows of the organization in the tables the governance, usage and artifact mutations write. */
const OTHER_TABLES = [
  'approval',
  'compliance_check',
  'promotion_policy',
  'dataset_governance',
  'erasure_request',
  'metric_point',
  'model_price',
  'inference_request',
  'auto_promotion_rule',
  'artifact',
  'artifact_part',
  'run',
  'provider_model_map',
  'inference_score',
  'budget',
] as const;

async function allRowCounts(orgId: string) {
  const columns = [
    ...OTHER_TABLES.map(
      (table) => `(SELECT count(*) FROM "${table}" WHERE org_id = ?1) AS "${table}"`,
    ),
    // Logged run data is keyed by run, not organization.
    '(SELECT count(*) FROM run_metric WHERE run_id IN (SELECT id FROM run WHERE org_id = ?1)) AS run_metric',
  ];
  const others = await env.DB.prepare(`SELECT ${columns.join(', ')}`)
    .bind(orgId)
    .first<Record<string, number>>();
  return { ...(await rowCounts(orgId)), ...others };
}

const webhookServiceDeps = {
  ...serviceDeps(),
  config: { webhooks: { secretKey: null, production: false } },
};

const bytesOf = (text: string) => new Blob([text]).stream();

/**
 * Two models, two versions (v1 trained on a dataset) and a spare API token. Promotion needs no
 * approval here: these tests are about roles, and test/governance covers the promotion gate.
 */
async function givenSeed(org: TestOrg): Promise<Seed> {
  await allowPromotionWithoutApproval(org);
  const modelA = await seedModel(org, 'model-a');
  const modelB = await seedModel(org, 'model-b');
  const dataset = await seedDataset(org, 'dataset');
  const spareDataset = await seedDataset(org, 'spare-dataset');
  const v1 = await seedVersion(org, modelA.id, '1.0.0', { trainedOn: [{ datasetId: dataset.id }] });
  const v2 = await seedVersion(org, modelA.id, '2.0.0');
  const v0 = await seedVersion(org, modelA.id, '0.9.0');
  await setModelVersionArchived(serviceDeps(), viewerOf(org, 'EDITOR'), {
    versionId: v0.id,
    archived: true,
  });
  const deployed = await seedVersion(org, modelA.id, '2.5.0');
  const deployment = await seedDeployment(org, 'deployment', [{ versionId: deployed.id }]);
  const experiment = await seedExperiment(org, 'experiment');
  const run = await createRun(serviceDeps(), viewerOf(org, 'EDITOR'), {
    experimentId: experiment.id,
  });
  const archived = await seedModel(org, 'model-c');
  await setModelArchived(serviceDeps(), viewerOf(org, 'EDITOR'), {
    modelId: archived.id,
    archived: true,
  });
  await setModelAlias(serviceDeps(), viewerOf(org, 'EDITOR'), {
    versionId: v1.id,
    alias: 'challenger',
  });
  const spare = await createApiToken(serviceDeps(), viewerOf(org, 'ADMIN'), {
    userId: org.userIds.VIEWER,
    name: 'spare',
  });
  const editor = viewerOf(org, 'EDITOR');
  const approval = await requestApproval(serviceDeps(), editor, {
    versionId: v1.id,
    checks: ['SECURITY'],
  });
  await setAutoPromotionRule(serviceDeps(), editor, {
    modelId: modelA.id,
    objective: 'QUALITY_PER_DOLLAR',
  });
  const artifacts = { ...serviceDeps(), bucket: env.ARTIFACTS, config: registryConfig(env) };
  const sha256Of = async (text: string) =>
    [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))]
      .map((byte) => byte.toString(16).padStart(2, '0'))
      .join('');
  const pending = await createArtifactUpload(artifacts, editor, {
    versionId: v1.id,
    name: 'pending.bin',
    kind: 'WEIGHTS',
    sizeBytes: 7,
    sha256: await sha256Of('pending'),
  });
  const multipart = await createArtifactUpload(artifacts, editor, {
    versionId: v1.id,
    name: 'multipart.bin',
    kind: 'WEIGHTS',
    sizeBytes: 9,
    sha256: await sha256Of('multipart'),
    multipart: true,
  });
  await uploadArtifactPart(artifacts, editor, multipart.id, 1, bytesOf('multipart'), 9, null);
  const complete = await createArtifactUpload(artifacts, editor, {
    versionId: v1.id,
    name: 'complete.bin',
    kind: 'WEIGHTS',
    sizeBytes: 8,
    sha256: await sha256Of('complete'),
  });
  await uploadArtifactBody(artifacts, editor, complete.id, bytesOf('complete'), 8);
  const [tracked] = await trackInferences(serviceDeps(), editor, new RecordingEventSink(), [
    {
      modelId: modelA.id,
      provider: 'openai',
      providerModel: 'gpt-4o',
      latencyMs: 100,
      inputTokens: 10,
      outputTokens: 5,
      status: 'SUCCESS',
    },
  ]);
  const mapping = await setProviderModelMap(serviceDeps(), viewerOf(org, 'ADMIN'), {
    provider: 'anthropic',
    providerModel: 'claude-*',
    modelId: modelB.id,
  });
  const hook = await createWebhook(webhookServiceDeps, viewerOf(org, 'ADMIN'), {
    url: 'https://hooks.example.com/seed',
    events: ['MODEL_DELETED'],
  });
  const delivery = await testWebhook(webhookServiceDeps, viewerOf(org, 'ADMIN'), hook.webhook.id);
  const budget = await setBudget(serviceDeps(), viewerOf(org, 'ADMIN'), {
    scope: 'ORGANIZATION',
    scopeId: null,
    period: 'DAY',
    limitUsd: 1000,
  });
  return {
    modelA: globalId('Model', modelA.id),
    modelB: globalId('Model', modelB.id),
    archivedModel: globalId('Model', archived.id),
    v1: globalId('ModelVersion', v1.id),
    v2: globalId('ModelVersion', v2.id),
    archivedVersion: globalId('ModelVersion', v0.id),
    dataset: globalId('Dataset', dataset.id),
    spareDataset: globalId('Dataset', spareDataset.id),
    deployment: globalId('Deployment', deployment.id),
    experiment: globalId('Experiment', experiment.id),
    run: globalId('Run', run.run.id),
    viewerUser: globalId('User', org.userIds.VIEWER),
    spareToken: globalId('ApiToken', spare.apiToken.id),
    pendingApproval: globalId('Approval', approval.approval.id),
    pendingArtifact: globalId('Artifact', pending.id),
    uploadedMultipart: globalId('Artifact', multipart.id),
    completeArtifact: globalId('Artifact', complete.id),
    providerModelMap: globalId('ProviderModelMap', mapping.id),
    budget: globalId('Budget', budget.id),
    trackedRequest: tracked?.request.id ?? '',
    webhook: globalId('Webhook', hook.webhook.id),
    webhookDelivery: globalId('WebhookDelivery', delivery.id),
  };
}

/**
 * Ids of the right kinds that name nothing: a refusal by role happens before any id is looked at,
 * so a refused mutation needs no data behind its input.
 */
function placeholderSeed(): Seed {
  return {
    modelA: unknownId('Model'),
    modelB: unknownId('Model'),
    archivedModel: unknownId('Model'),
    v1: unknownId('ModelVersion'),
    v2: unknownId('ModelVersion'),
    archivedVersion: unknownId('ModelVersion'),
    dataset: unknownId('Dataset'),
    spareDataset: unknownId('Dataset'),
    deployment: unknownId('Deployment'),
    experiment: unknownId('Experiment'),
    run: unknownId('Run'),
    viewerUser: unknownId('User'),
    spareToken: unknownId('ApiToken'),
    pendingApproval: unknownId('Approval'),
    pendingArtifact: unknownId('Artifact'),
    uploadedMultipart: unknownId('Artifact'),
    completeArtifact: unknownId('Artifact'),
    providerModelMap: unknownId('ProviderModelMap'),
    budget: unknownId('Budget'),
    trackedRequest: crypto.randomUUID(),
    webhook: unknownId('Webhook'),
    webhookDelivery: unknownId('WebhookDelivery'),
  };
}

async function runMutation(
  org: TestOrg,
  role: Role,
  mutation: (typeof MUTATIONS)[number],
  seed: Seed,
) {
  const before = await allRowCounts(org.orgId);
  const result = await gql(org.tokens[role], mutationDocument(mutation.field), {
    input: mutation.input(seed),
  });
  return { result, before };
}

async function expectForbidden(role: Role, mutation: (typeof MUTATIONS)[number]) {
  // given
  const org = await createTestOrg();

  // when
  const { result, before } = await runMutation(org, role, mutation, placeholderSeed());

  // then
  const error = topLevelError(result);
  expect(error.extensions?.code).toBe('FORBIDDEN');
  expect(error.path).toEqual([mutation.field]);
  expect(error.message).toContain(mutation.field);
  expect(result.data).toBeNull();
  expect(await allRowCounts(org.orgId)).toEqual(before);
}

async function expectAllowed(role: Role, mutation: (typeof MUTATIONS)[number]) {
  // given
  const org = await createTestOrg();

  // when
  const { result, before } = await runMutation(org, role, mutation, await givenSeed(org));

  // then
  const payload = fieldOf(result, mutation.field);
  expect(payload, JSON.stringify(payload)).toMatchObject({
    __typename: expect.stringMatching(/Payload$/),
  });
  expect(await allRowCounts(org.orgId)).not.toEqual(before);
}

const editorMutations = MUTATIONS.filter((mutation) => mutation.scope === 'editor');
const reviewerMutations = MUTATIONS.filter((mutation) => mutation.scope === 'reviewer');
const notEditorMutations = MUTATIONS.filter((mutation) => mutation.scope !== 'editor');
const notReviewerMutations = MUTATIONS.filter((mutation) => mutation.scope !== 'reviewer');

describe('authentication', () => {
  it('refuses a request without a token with 401 and UNAUTHENTICATED', async () => {
    // when
    const result = await gql(null, Viewer);

    // then
    expect(result.status).toBe(401);
    expect(result.data).toBeNull();
    expect(topLevelError(result).extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['an unknown token', 'Bearer mr_doesnotexistdoesnotexistdoesnotexist123456'],
    ['a token that is not of the API’s form', 'Bearer hello'],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a bare Bearer', 'Bearer'],
  ])('refuses %s with 401, UNAUTHENTICATED and a WWW-Authenticate challenge', async (_, header) => {
    // when
    const response = await SELF.fetch('http://registry.test/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: header,
      },
      body: JSON.stringify({ query: Viewer }),
    });

    // then
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const body = (await response.json()) as {
      data?: unknown;
      errors: { extensions: { code: string } }[];
    };
    expect(body.data ?? null).toBeNull();
    expect(body.errors.map((error) => error.extensions.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a mutation without a token before it runs', async () => {
    // given
    const org = await createTestOrg();
    const before = await rowCounts(org.orgId);

    // when
    const result = await gql(null, mutationDocument('modelRegister'), {
      input: { name: 'anonymous' },
    });

    // then
    expect(result.status).toBe(401);
    expect(topLevelError(result).extensions?.code).toBe('UNAUTHENTICATED');
    await expectNothingWritten(org.orgId, before);
  });

  it.each(['VIEWER', 'EDITOR', 'REVIEWER', 'ADMIN'] as const)(
    'resolves a %s token to its user and role',
    async (role) => {
      // given
      const org = await createTestOrg();

      // when
      const result = await gql(org.tokens[role], Viewer);

      // then
      expect(fieldOf(result, 'viewer')).toEqual({ id: globalId('User', org.userIds[role]), role });
    },
  );
});

describe('roles', () => {
  it.each(['VIEWER', 'EDITOR', 'REVIEWER', 'ADMIN'] as const)(
    'lets a %s read the organization',
    async (role) => {
      // given
      const org = await createTestOrg();
      const seed = await givenSeed(org);

      // when
      const result = await gql(org.tokens[role], ReadEverything, { modelId: seed.modelA });

      // then
      const models = fieldOf<{ edges: { node: { name: string } }[] }>(result, 'models');
      expect(models.edges.map((edge) => edge.node.name)).toEqual(['model-a', 'model-b']);
      expect(fieldOf(result, 'datasets').edges).toHaveLength(2);
      expect(fieldOf(result, 'users').edges).toHaveLength(4);
      expect(fieldOf(result, 'node')).toEqual({ id: seed.modelA });
    },
  );

  it.each(MUTATIONS.map((mutation) => [mutation.field, mutation] as const))(
    'refuses %s to a VIEWER with a top-level FORBIDDEN error, writing nothing',
    (_, mutation) => expectForbidden('VIEWER', mutation),
  );

  it.each(notReviewerMutations.map((mutation) => [mutation.field, mutation] as const))(
    'refuses %s to a REVIEWER, who reviews but does not edit',
    (_, mutation) => expectForbidden('REVIEWER', mutation),
  );

  it.each(reviewerMutations.map((mutation) => [mutation.field, mutation] as const))(
    'lets a REVIEWER run %s',
    (_, mutation) => expectAllowed('REVIEWER', mutation),
  );

  it.each(editorMutations.map((mutation) => [mutation.field, mutation] as const))(
    'lets an EDITOR run %s',
    (_, mutation) => expectAllowed('EDITOR', mutation),
  );

  it.each(notEditorMutations.map((mutation) => [mutation.field, mutation] as const))(
    'refuses %s to an EDITOR: it is for admins or reviewers',
    (_, mutation) => expectForbidden('EDITOR', mutation),
  );

  it.each(MUTATIONS.map((mutation) => [mutation.field, mutation] as const))(
    'lets an ADMIN run %s',
    (_, mutation) => expectAllowed('ADMIN', mutation),
  );

  it('never lets the requester review their own request, even an ADMIN, writing nothing', async () => {
    // given an approval requested by the ADMIN
    const org = await createTestOrg();
    const seed = await givenSeed(org);
    const own = await gql(org.tokens.ADMIN, mutationDocument('approvalRequest'), {
      input: { versionId: seed.v2, checks: ['SECURITY'] },
    });
    expect(fieldOf(own, 'approvalRequest').__typename).toBe('ApprovalRequestPayload');
    const [approval] = await testDb()
      .selectFrom('approval')
      .select('id')
      .where('org_id', '=', org.orgId)
      .where('requested_by', '=', org.userIds.ADMIN)
      .execute();
    const before = await allRowCounts(org.orgId);

    // when the same ADMIN reviews it
    const result = await gql(org.tokens.ADMIN, mutationDocument('approvalReview'), {
      input: { approvalId: globalId('Approval', approval?.id ?? ''), decision: 'APPROVE' },
    });

    // then
    expect(fieldOf(result, 'approvalReview')).toMatchObject({
      __typename: 'ForbiddenError',
      path: ['input', 'approvalId'],
    });
    expect(await allRowCounts(org.orgId)).toEqual(before);
  });

  it('covers every mutation of the schema', () => {
    const fields = Object.keys(schema.getMutationType()?.getFields() ?? {});
    expect(MUTATIONS.map((mutation) => mutation.field).sort()).toEqual(fields.sort());
  });
});

describe('organizations are walled off', () => {
  const NodeById = /* GraphQL */ `
    query NodeById($id: ID!) {
      node(id: $id) { id }
    }
  `;

  const ModelsAndByName = /* GraphQL */ `
    query ModelsAndByName($name: String!) {
      models(first: 100) { edges { node { name } } }
      model(name: $name) { id }
    }
  `;

  it('hides another organization’s nodes from node(), model() and models', async () => {
    // given
    const orgA = await createTestOrg('a');
    const orgB = await createTestOrg('b');
    const seedA = await givenSeed(orgA);
    await seedModel(orgB, 'model-of-b');

    // when
    const lookups = await Promise.all(
      Object.values(seedA).map((id) => gql(orgB.tokens.ADMIN, NodeById, { id })),
    );
    const list = await gql(orgB.tokens.ADMIN, ModelsAndByName, { name: 'model-a' });

    // then
    for (const lookup of lookups) expect(fieldOf(lookup, 'node')).toBeNull();
    expect(fieldOf(list, 'models').edges).toEqual([{ node: { name: 'model-of-b' } }]);
    expect(fieldOf(list, 'model')).toBeNull();
  });

  const crossOrgCases: [string, string, (a: Seed, b: Seed) => Record<string, unknown>, string[]][] =
    [
      [
        'an edge from its own version to the other’s dataset',
        'lineageEdgeAdd',
        (a, b) => ({ type: 'TRAINED_ON', fromId: b.v2, toId: a.dataset }),
        ['input', 'toId'],
      ],
      [
        'an edge from the other’s version',
        'lineageEdgeAdd',
        (a, b) => ({ type: 'DERIVED_FROM', fromId: a.v2, toId: b.v1 }),
        ['input', 'fromId'],
      ],
      [
        'a version of the other’s model',
        'modelVersionCreate',
        (a) => ({ modelId: a.modelA, version: '9.0.0' }),
        ['input', 'modelId'],
      ],
      [
        'a version trained on the other’s dataset',
        'modelVersionCreate',
        (a, b) => ({ modelId: b.modelA, version: '9.0.0', trainedOn: [{ datasetId: a.dataset }] }),
        ['input', 'trainedOn', '0', 'datasetId'],
      ],
      [
        'a version derived from the other’s version',
        'modelVersionCreate',
        (a, b) => ({ modelId: b.modelA, version: '9.0.0', derivedFrom: [a.v1] }),
        ['input', 'derivedFrom', '0'],
      ],
      [
        'promoting the other’s version',
        'modelVersionPromote',
        (a) => ({ versionId: a.v1 }),
        ['input', 'versionId'],
      ],
      [
        'an alias on the other’s version',
        'modelAliasSet',
        (a) => ({ versionId: a.v1, alias: 'champion' }),
        ['input', 'versionId'],
      ],
      [
        'replacing its model by the other’s',
        'modelReplace',
        (a, b) => ({ modelId: b.modelA, replacedById: a.modelB }),
        ['input', 'replacedById'],
      ],
      [
        'deploying the other’s version',
        'deploymentCreate',
        (a) => ({ name: 'd', environment: 'production', modelVersions: [{ versionId: a.v1 }] }),
        ['input', 'modelVersions', '0', 'versionId'],
      ],
      [
        'ending the other’s edge',
        'lineageEdgeRemove',
        (a) => ({ type: 'TRAINED_ON', fromId: a.v1, toId: a.dataset }),
        ['input'],
      ],
      [
        'a token for the other’s user',
        'apiTokenCreate',
        (a) => ({ userId: a.viewerUser, name: 'intruder' }),
        ['input', 'userId'],
      ],
      [
        'revoking the other’s token',
        'apiTokenRevoke',
        (a) => ({ id: a.spareToken }),
        ['input', 'id'],
      ],
    ];

  it.each(crossOrgCases)(
    'refuses %s as a NotFoundError, writing nothing in either organization',
    async (_, field, input, path) => {
      // given
      const orgA = await createTestOrg('a');
      const orgB = await createTestOrg('b');
      const seedA = await givenSeed(orgA);
      const seedB = await givenSeed(orgB);
      const beforeA = await rowCounts(orgA.orgId);
      const beforeB = await rowCounts(orgB.orgId);

      // when
      const result = await gql(orgB.tokens.ADMIN, mutationDocument(field), {
        input: input(seedA, seedB),
      });

      // then
      expect(fieldOf(result, field)).toMatchObject({ __typename: 'NotFoundError', path });
      await expectNothingWritten(orgA.orgId, beforeA);
      await expectNothingWritten(orgB.orgId, beforeB);
    },
  );
});
