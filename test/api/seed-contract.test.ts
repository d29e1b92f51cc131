// The seed POC's REST examples, sent as its document writes them (docs/seed-rest.md, read here
// as text): only the placeholder ids are replaced by the global IDs of things registered first.
import { describe, expect, it } from 'vitest';
import seedDoc from '../../docs/seed-rest.md?raw';
import {
  auditEvents,
  globalId,
  rowId,
  seedDataset,
  seedModel,
  unknownId,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import { type ApiErrorBody, api } from './api-client.ts';
import { apiRowCounts, expectApiNothingWritten } from './api-fixtures.ts';

interface SeedExample {
  method: 'GET' | 'POST';
  path: string;
  body: string | null;
}

/** Every `METHOD /api/...` line of the document's code blocks, with the JSON body under it. */
function seedExamples(doc: string): Map<string, SeedExample> {
  const examples = new Map<string, SeedExample>();
  for (const block of doc.matchAll(/```typescript\n([\s\S]*?)```/g)) {
    const lines = (block[1] ?? '').split('\n');
    lines.forEach((line, index) => {
      const call = /^(GET|POST) (\/api\/\S+)$/.exec(line.trim());
      if (!call) return;
      let body: string | null = null;
      if (lines[index + 1]?.trim() === '{') {
        const end = lines.findIndex((next, at) => at > index && next === '}');
        // The document's bodies are JSON but for comments such as `{ /* updates */ }`.
        body = lines
          .slice(index + 1, end + 1)
          .join('\n')
          .replace(/\/\*[\s\S]*?\*\//g, '');
      }
      examples.set(`${call[1]} ${call[2]}`, {
        method: call[1] as 'GET' | 'POST',
        path: call[2] as string,
        body,
      });
    });
  }
  return examples;
}

const EXAMPLES = seedExamples(seedDoc);

/**
 * Sends the example `key` as written, with each placeholder (a path parameter such as `:id`, or
 * a quoted id in the body such as `"model-123"`) replaced.
 */
function sendSeed(token: string, key: string, replace: Record<string, string> = {}) {
  const example = EXAMPLES.get(key);
  if (!example) throw new Error(`the seed document has no example ${key}`);
  let path = example.path;
  let body = example.body;
  for (const [placeholder, value] of Object.entries(replace)) {
    if (placeholder.startsWith(':')) {
      path = path.replace(placeholder, encodeURIComponent(value));
    } else if (body) {
      body = body.replaceAll(JSON.stringify(placeholder), JSON.stringify(value));
    }
  }
  return api(token, example.method, path, undefined, body === null ? {} : { rawBody: body });
}

/** A model registered and versioned as the seed does it (its first two examples). */
async function seedModelWithVersion(org: TestOrg) {
  const model = await sendSeed(org.tokens.EDITOR, 'POST /api/models');
  expect(model.status).toBe(201);
  const version = await sendSeed(org.tokens.EDITOR, 'POST /api/models/:id/versions', {
    ':id': model.body.id,
  });
  expect(version.status).toBe(201);
  return { modelId: model.body.id as string, versionId: version.body.id as string };
}

async function setPolicy(org: TestOrg, requireApproval: boolean) {
  const response = await gql(
    org.tokens.ADMIN,
    `mutation ($input: PromotionPolicySetInput!) {
      promotionPolicySet(input: $input) { __typename }
    }`,
    { input: { requireApproval, requiredChecks: [] } },
  );
  expect(response.errors).toBeUndefined();
}

/** The seed's approval request and review, which the promotion gate then accepts. */
async function approveAsSeedDoes(org: TestOrg, modelId: string) {
  const requested = await sendSeed(org.tokens.EDITOR, 'POST /api/governance/approvals', {
    'model-123': modelId,
  });
  expect(requested.status, JSON.stringify(requested.body)).toBe(201);
  const reviewed = await sendSeed(
    org.tokens.REVIEWER,
    'POST /api/governance/approvals/:id/review',
    {
      ':id': requested.body.id,
    },
  );
  expect(reviewed.status).toBe(200);
  return { requested, reviewed };
}

describe('the seed document', () => {
  it('holds the examples these tests send', () => {
    expect([...EXAMPLES.keys()]).toEqual([
      'POST /api/models',
      'POST /api/models/:id/versions',
      'POST /api/models/:id/promote/:version',
      'POST /api/lineage/datasets',
      'GET /api/lineage/:modelId',
      'GET /api/lineage/:modelId/impact',
      'GET /api/lineage/:modelId/graph',
      'POST /api/performance/metrics',
      'GET /api/performance/:modelId/stats?type=latency',
      'POST /api/performance/compare',
      'POST /api/governance/approvals',
      'POST /api/governance/approvals/:id/review',
      'GET /api/governance/approvals/pending',
      'GET /api/governance/:modelId/history',
      'POST /api/vibe/track',
      'GET /api/vibe/:modelId/costs?start=1234567890&end=1234567900',
      'POST /api/vibe/compare',
      'GET /api/vibe/:modelId/trends?granularity=day',
      'GET /api/vibe/:modelId/roi',
    ]);
  });
});

describe('seed: model registry', () => {
  it('registers a model from the seed body', async () => {
    const org = await createTestOrg();
    const response = await sendSeed(org.tokens.EDITOR, 'POST /api/models');
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      name: 'GPT-4 Turbo',
      description: 'OpenAI GPT-4 for code generation',
      provider: 'openai',
      framework: 'openai',
      model_type: 'text-generation',
      tags: ['production', 'code-generation'],
    });
  });

  it('creates a version from the seed body, not in production when is_production is false', async () => {
    const org = await createTestOrg();
    const { modelId, versionId } = await seedModelWithVersion(org);
    const versions = await api(org.tokens.VIEWER, 'GET', `/api/models/${modelId}/versions`);
    expect(versions.body.versions).toMatchObject([
      { id: versionId, version: '2.0.0', aliases: [] },
    ]);
  });

  it('is_production: true promotes through the gate, all or nothing', async () => {
    const org = await createTestOrg();
    const model = await sendSeed(org.tokens.EDITOR, 'POST /api/models');
    const body = { version: '2.0.0', metadata: {}, is_production: true };
    const before = await apiRowCounts(org.orgId);
    // The default policy wants an approved request, which a version not yet created cannot have.
    const refused = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      `/api/models/${model.body.id}/versions`,
      body,
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'APPROVAL_REQUIRED',
      path: ['body', 'is_production'],
    });
    await expectApiNothingWritten(org.orgId, before);

    await setPolicy(org, false);
    const created = await api(
      org.tokens.EDITOR,
      'POST',
      `/api/models/${model.body.id}/versions`,
      body,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: '2.0.0', aliases: ['production'] });
    const detail = await api(org.tokens.VIEWER, 'GET', `/api/models/${model.body.id}`);
    expect(detail.body.production_version).toMatchObject({ id: created.body.id });
    const promotions = await auditEvents(org.orgId, { action: 'model.promote' });
    expect(promotions).toMatchObject([
      { subject_id: rowId(model.body.id), after: { versionId: rowId(created.body.id) } },
    ]);
  });

  it('promotes the seed-created version by its version string once approved', async () => {
    const org = await createTestOrg();
    // An approval, but no passing check, required: the seed's version has neither data nor files.
    await setPolicy(org, true);
    const { modelId, versionId } = await seedModelWithVersion(org);
    const early = await sendSeed(org.tokens.EDITOR, 'POST /api/models/:id/promote/:version', {
      ':id': modelId,
      ':version': '2.0.0',
    });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('APPROVAL_REQUIRED');

    await approveAsSeedDoes(org, modelId);
    const promoted = await sendSeed(org.tokens.EDITOR, 'POST /api/models/:id/promote/:version', {
      ':id': modelId,
      ':version': '2.0.0',
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body.version).toMatchObject({ id: versionId, aliases: ['production'] });
  });
});

describe('seed: lineage', () => {
  it('links the model to a dataset, with the version chosen by the documented rule', async () => {
    const org = await createTestOrg();
    const { modelId, versionId } = await seedModelWithVersion(org);
    const dataset = globalId('Dataset', (await seedDataset(org, 'support-tickets')).id);
    const response = await sendSeed(org.tokens.EDITOR, 'POST /api/lineage/datasets', {
      'model-123': modelId,
      'dataset-456': dataset,
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      edge: {
        type: 'TRAINED_ON',
        from_id: versionId,
        to_id: dataset,
        properties: { split: 'train', size: 100000 },
      },
      resolved_version: { id: versionId, version: '2.0.0', rule: 'LATEST' },
    });

    for (const key of [
      'GET /api/lineage/:modelId',
      'GET /api/lineage/:modelId/impact',
      'GET /api/lineage/:modelId/graph',
    ]) {
      const read = await sendSeed(org.tokens.VIEWER, key, { ':modelId': modelId });
      expect(read.status, key).toBe(200);
    }
    const graph = await sendSeed(org.tokens.VIEWER, 'GET /api/lineage/:modelId/graph', {
      ':modelId': modelId,
    });
    expect(graph.body.nodes.map((node: { id: string }) => node.id)).toContain(dataset);
  });

  it('prefers the production version, and answers 409 for a model without versions', async () => {
    const org = await createTestOrg();
    await setPolicy(org, false);
    const model = await sendSeed(org.tokens.EDITOR, 'POST /api/models');
    const production = await api(
      org.tokens.EDITOR,
      'POST',
      `/api/models/${model.body.id}/versions`,
      {
        version: '1.0.0',
        is_production: true,
      },
    );
    await api(org.tokens.EDITOR, 'POST', `/api/models/${model.body.id}/versions`, {
      version: '2.0.0',
    });
    const dataset = globalId('Dataset', (await seedDataset(org, 'tickets')).id);
    const linked = await sendSeed(org.tokens.EDITOR, 'POST /api/lineage/datasets', {
      'model-123': model.body.id,
      'dataset-456': dataset,
    });
    expect(linked.status).toBe(201);
    expect(linked.body.resolved_version).toEqual({
      id: production.body.id,
      version: '1.0.0',
      rule: 'PRODUCTION',
    });

    const bare = globalId('Model', (await seedModel(org, 'no-versions')).id);
    const before = await apiRowCounts(org.orgId);
    const refused = await sendSeed(org.tokens.EDITOR, 'POST /api/lineage/datasets', {
      'model-123': bare,
      'dataset-456': dataset,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT', path: ['body', 'model_id'] });
    await expectApiNothingWritten(org.orgId, before);
  });
});

describe('seed: performance', () => {
  it('records, summarises and compares latency from the seed bodies', async () => {
    const org = await createTestOrg();
    const { modelId, versionId } = await seedModelWithVersion(org);
    const recorded = await sendSeed(org.tokens.EDITOR, 'POST /api/performance/metrics', {
      'model-123': modelId,
    });
    expect(recorded.status).toBe(201);
    expect(recorded.body).toMatchObject({
      model_id: modelId,
      version_id: versionId,
      metric_type: 'LATENCY',
      value: 1200,
      context: { tokens: 150 },
      resolved_version: { id: versionId, rule: 'LATEST' },
    });

    const stats = await sendSeed(
      org.tokens.VIEWER,
      'GET /api/performance/:modelId/stats?type=latency',
      { ':modelId': modelId },
    );
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ count: 1, mean: 1200 });

    const others = [];
    for (const name of ['model-1', 'model-2', 'model-3']) {
      others.push(globalId('Model', (await seedModel(org, name)).id));
    }
    const compared = await sendSeed(org.tokens.VIEWER, 'POST /api/performance/compare', {
      'model-1': modelId,
      'model-2': others[1] as string,
      'model-3': others[2] as string,
    });
    expect(compared.status).toBe(200);
  });
});

describe('seed: governance', () => {
  it('requests and reviews approval from the seed bodies, recording who the seed names', async () => {
    const org = await createTestOrg();
    const { modelId, versionId } = await seedModelWithVersion(org);
    const { requested, reviewed } = await approveAsSeedDoes(org, modelId);
    expect(requested.body).toMatchObject({
      model_id: modelId,
      version_id: versionId,
      state: 'PENDING',
      requested_by: globalId('User', org.userIds.EDITOR),
      requested_by_name: 'eng-team',
      resolved_version: { id: versionId, rule: 'LATEST' },
    });
    expect(requested.body.checks.map((check: { type: string }) => check.type).sort()).toEqual([
      'AI_ACT',
      'FAIRNESS',
      'GDPR',
      'SECURITY',
    ]);
    expect(reviewed.body).toMatchObject({
      id: requested.body.id,
      state: 'APPROVED',
      reviewed_by: globalId('User', org.userIds.REVIEWER),
      reviewed_by_name: 'compliance-team',
      review_notes: 'All checks passed',
    });

    const viaGraphql = await gql(
      org.tokens.VIEWER,
      `query ($id: ID!) { node(id: $id) { ... on Approval {
        requestedByName reviewedByName requester { id } reviewer { id } } } }`,
      { id: requested.body.id },
    );
    expect(viaGraphql.data?.node).toEqual({
      requestedByName: 'eng-team',
      reviewedByName: 'compliance-team',
      requester: { id: globalId('User', org.userIds.EDITOR) },
      reviewer: { id: globalId('User', org.userIds.REVIEWER) },
    });

    const pending = await sendSeed(org.tokens.VIEWER, 'GET /api/governance/approvals/pending');
    expect(pending.status).toBe(200);
    const history = await sendSeed(org.tokens.VIEWER, 'GET /api/governance/:modelId/history', {
      ':modelId': modelId,
    });
    expect(history.status).toBe(200);
    expect(history.body.approvals).toMatchObject([
      { id: requested.body.id, requested_by_name: 'eng-team', reviewed_by_name: 'compliance-team' },
    ]);
  });

  it('approved: false rejects, and the requester still may not review', async () => {
    const org = await createTestOrg();
    const { modelId } = await seedModelWithVersion(org);
    const requested = await sendSeed(org.tokens.EDITOR, 'POST /api/governance/approvals', {
      'model-123': modelId,
    });
    const body = { reviewed_by: 'compliance-team', approved: false, notes: 'Fairness gap' };
    const own = await api<ApiErrorBody>(
      org.admin.token,
      'POST',
      `/api/governance/approvals/${requested.body.id}/review`,
      body,
    );
    // The admin did not request it: separation of duties holds for the token's user, not the name.
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ state: 'REJECTED', reviewed_by_name: 'compliance-team' });
  });

  it('runs every check on the resolved version when the seed sends no body', async () => {
    const org = await createTestOrg();
    const { modelId, versionId } = await seedModelWithVersion(org);
    const response = await api(org.tokens.EDITOR, 'POST', `/api/governance/${modelId}/check`);
    expect(response.status).toBe(200);
    expect(response.body.version).toMatchObject({ id: versionId });
    expect(response.body.checks).toHaveLength(4);
    expect(response.body.resolved_version).toMatchObject({ id: versionId, rule: 'LATEST' });
  });
});

describe('seed: vibe coding', () => {
  it('tracks, sums, trends and values requests from the seed bodies and queries', async () => {
    const org = await createTestOrg();
    const { modelId } = await seedModelWithVersion(org);
    const tracked = await sendSeed(org.tokens.EDITOR, 'POST /api/vibe/track', {
      'model-123': modelId,
    });
    expect(tracked.status).toBe(201);
    expect(tracked.body.request).toMatchObject({
      model_id: modelId,
      provider: 'openai',
      provider_model: 'gpt-4-turbo',
      latency_ms: 1200,
      tokens_input: 500,
      tokens_output: 150,
      cost_usd: 0.03,
      quality_score: 9.2,
    });

    const costs = await sendSeed(
      org.tokens.VIEWER,
      'GET /api/vibe/:modelId/costs?start=1234567890&end=1234567900',
      { ':modelId': modelId },
    );
    expect(costs.status).toBe(200);
    expect(costs.body).toMatchObject({
      start: '2009-02-13T23:31:30.000Z',
      end: '2009-02-13T23:31:40.000Z',
    });
    const start = Math.floor(Date.now() / 1000) - 3600;
    for (const [from, to] of [
      [start, start + 7200],
      [start * 1000, (start + 7200) * 1000],
      [new Date(start * 1000).toISOString(), new Date((start + 7200) * 1000).toISOString()],
    ]) {
      const now = await api(
        org.tokens.VIEWER,
        'GET',
        `/api/vibe/${modelId}/costs?start=${encodeURIComponent(String(from))}&end=${encodeURIComponent(String(to))}`,
      );
      expect(now.status, String(from)).toBe(200);
      expect(now.body.start).toBe(new Date(start * 1000).toISOString());
      expect(now.body.totals).toMatchObject({ requests: 1, total_cost_usd: 0.03 });
    }

    for (const key of [
      'GET /api/vibe/:modelId/trends?granularity=day',
      'GET /api/vibe/:modelId/roi',
    ]) {
      const read = await sendSeed(org.tokens.VIEWER, key, { ':modelId': modelId });
      expect(read.status, key).toBe(200);
    }
  });

  it('compares the experiment’s models over the seed’s epoch-second window', async () => {
    const org = await createTestOrg();
    const ids: Record<string, string> = {};
    for (const name of ['gpt4', 'claude', 'llama']) {
      ids[name] = globalId('Model', (await seedModel(org, name)).id);
    }
    const experiment = await gql(
      org.tokens.EDITOR,
      `mutation { experimentCreate(input: { name: "ab-test-001" }) {
        ... on ExperimentCreatePayload { experiment { id } } } }`,
    );
    const experimentId = experiment.data?.experimentCreate.experiment.id as string;
    // Requests inside the seed's window (epoch seconds, as the seed sends times), of two of the
    // three models in the experiment and one outside it: only the experiment's arms count.
    for (const [name, experiment_id] of [
      ['gpt4', experimentId],
      ['claude', experimentId],
      ['llama', null],
    ] as const) {
      const tracked = await api(org.tokens.EDITOR, 'POST', '/api/vibe/track', {
        model_id: ids[name],
        experiment_id,
        provider: 'openai',
        model_name: name,
        latency_ms: 800,
        tokens_input: 100,
        tokens_output: 20,
        quality_score: 0.8,
        timestamp: 1234567895,
      });
      expect(tracked.status, JSON.stringify(tracked.body)).toBe(201);
    }
    const response = await sendSeed(org.tokens.VIEWER, 'POST /api/vibe/compare', {
      'ab-test-001': experimentId,
      ...ids,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      arms_by: 'MODEL',
      start: '2009-02-13T23:31:30.000Z',
      end: '2009-02-13T23:31:40.000Z',
    });
    expect(response.body.arms.map((arm: { arm_id: string }) => arm.arm_id).sort()).toEqual(
      [ids.gpt4, ids.claude].sort(),
    );
  });
});

describe('seed shapes: bad input', () => {
  it.each([
    [
      'an unknown model',
      'POST',
      '/api/governance/approvals',
      { model_id: 'unknown-model', check_types: ['gdpr'] },
      404,
      ['body', 'model_id'],
    ],
    [
      'an unknown check type',
      'POST',
      '/api/governance/approvals',
      { model_id: 'model', check_types: ['gdpr', 'bias'] },
      400,
      ['body', 'check_types', '1'],
    ],
    [
      'a metric_value that is not a number',
      'POST',
      '/api/performance/metrics',
      { model_id: 'model', metric_type: 'latency', metric_value: 'fast' },
      400,
      ['body', 'metric_value'],
    ],
    [
      'a negative latency',
      'POST',
      '/api/performance/metrics',
      { model_id: 'model', metric_type: 'latency', metric_value: -1 },
      400,
      ['body', 'metric_value'],
    ],
    [
      'an unknown dataset',
      'POST',
      '/api/lineage/datasets',
      { model_id: 'model', dataset_id: 'unknown-dataset' },
      404,
      ['body', 'dataset_id'],
    ],
    [
      'a version flag that is not a boolean',
      'POST',
      '/api/models/model/versions',
      { version: '3.0.0', is_production: 'yes' },
      400,
      ['body', 'is_production'],
    ],
    [
      'an epoch window the wrong way round',
      'POST',
      '/api/vibe/compare',
      { model_ids: ['model'], start_time: 1234567900, end_time: 1234567890 },
      400,
      ['body', 'start_time'],
    ],
    [
      'a start that is no time',
      'GET',
      '/api/vibe/model/costs?start=yesterday',
      undefined,
      400,
      ['query', 'start'],
    ],
  ])(
    'answers %s with a typed error on the field, writing nothing',
    async (_name, method, path, body, status, errorPath) => {
      const org = await createTestOrg();
      const { modelId } = await seedModelWithVersion(org);
      const ids: Record<string, string> = {
        model: modelId,
        'unknown-model': unknownId('Model'),
        'unknown-dataset': unknownId('Dataset'),
      };
      const text =
        body === undefined
          ? undefined
          : JSON.stringify(body).replace(/"(model|unknown-model|unknown-dataset)"/g, (_, key) =>
              JSON.stringify(ids[key]),
            );
      const before = await apiRowCounts(org.orgId);
      const response = await api<ApiErrorBody>(
        org.tokens.EDITOR,
        method,
        path.replace('/model/', `/${modelId}/`),
        undefined,
        text === undefined ? {} : { rawBody: text },
      );
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.body.error.path).toEqual(errorPath);
      await expectApiNothingWritten(org.orgId, before);
    },
  );

  it('tracks a model’s dataset once: the same link again is a conflict', async () => {
    const org = await createTestOrg();
    const { modelId } = await seedModelWithVersion(org);
    const dataset = globalId('Dataset', (await seedDataset(org, 'tickets')).id);
    const replace = { 'model-123': modelId, 'dataset-456': dataset };
    expect((await sendSeed(org.tokens.EDITOR, 'POST /api/lineage/datasets', replace)).status).toBe(
      201,
    );
    const again = await sendSeed(org.tokens.EDITOR, 'POST /api/lineage/datasets', replace);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'CONFLICT', path: ['body', 'dataset_id'] });
  });

  it('links a validation split as EVALUATED_ON', async () => {
    const org = await createTestOrg();
    const { modelId, versionId } = await seedModelWithVersion(org);
    const dataset = globalId('Dataset', (await seedDataset(org, 'holdout')).id);
    const response = await api(org.tokens.EDITOR, 'POST', '/api/lineage/datasets', {
      model_id: modelId,
      dataset_id: dataset,
      properties: { split: 'Validation' },
    });
    expect(response.status).toBe(201);
    expect(response.body.edge).toMatchObject({ type: 'EVALUATED_ON', from_id: versionId });
  });
});

describe('named parties through GraphQL', () => {
  it('records requestedByName and reviewedByName, and refuses an empty one', async () => {
    const org = await createTestOrg();
    const { versionId } = await seedModelWithVersion(org);
    const Request = `mutation ($input: ApprovalRequestInput!) { approvalRequest(input: $input) {
      __typename ... on ApprovalRequestPayload { approval { id requestedByName } }
      ... on ValidationError { path } } }`;
    const empty = await gql(org.tokens.EDITOR, Request, {
      input: { versionId, checks: ['GDPR'], requestedByName: '  ' },
    });
    expect(empty.data?.approvalRequest).toEqual({
      __typename: 'ValidationError',
      path: ['input', 'requestedByName'],
    });
    const requested = await gql(org.tokens.EDITOR, Request, {
      input: { versionId, checks: ['GDPR'], requestedByName: 'ml-platform' },
    });
    const approval = requested.data?.approvalRequest.approval;
    expect(approval.requestedByName).toBe('ml-platform');
    const reviewed = await gql(
      org.tokens.REVIEWER,
      `mutation ($input: ApprovalReviewInput!) { approvalReview(input: $input) {
        ... on ApprovalReviewPayload { approval { state reviewedByName } } } }`,
      { input: { approvalId: approval.id, decision: 'APPROVE', reviewedByName: 'risk board' } },
    );
    expect(reviewed.data?.approvalReview.approval).toEqual({
      state: 'APPROVED',
      reviewedByName: 'risk board',
    });
  });
});
