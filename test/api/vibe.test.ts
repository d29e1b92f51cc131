// The REST usage ("vibe") routes: tracking LLM requests, costs, trends, ROI and A/B comparison,
// with the rows written (or not) and the same figures as GraphQL.
import { describe, expect, it } from 'vitest';
import { globalId, seedExperiment, seedModel, unknownId } from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg, testDb } from '../helpers/graphql.ts';
import { seedRequests } from '../usage/helpers.ts';
import { type ApiErrorBody, api } from './api-client.ts';
import { apiRowCounts, expectApiNothingWritten } from './api-fixtures.ts';

function trackBody(modelId: string, patch: Record<string, unknown> = {}) {
  return {
    model_id: modelId,
    provider: 'OpenAI',
    provider_model: 'gpt-4-turbo-2024-04-09',
    latency_ms: 820,
    tokens_input: 1200,
    tokens_output: 300,
    cost_usd: 0.021,
    quality_score: 0.9,
    ...patch,
  };
}

/** Two models with requests of known cost and quality, an hour ago. */
async function seedUsage(org: TestOrg) {
  const cheap = await seedModel(org, 'llama');
  const dear = await seedModel(org, 'gpt-4-turbo');
  const at = new Date(Date.now() - 3_600_000);
  await seedRequests(org, [
    ...Array.from({ length: 40 }, (_, index) => ({
      modelId: cheap.id,
      costUsd: 0.001,
      quality: 0.6 + (index % 5) * 0.01,
      timestamp: at,
    })),
    ...Array.from({ length: 40 }, (_, index) => ({
      modelId: dear.id,
      costUsd: 0.02,
      quality: 0.9 + (index % 5) * 0.01,
      timestamp: at,
    })),
  ]);
  return { cheap: globalId('Model', cheap.id), dear: globalId('Model', dear.id) };
}

describe('POST /api/vibe/track/batch', () => {
  it('records every request of the list in one call, either shape, once per key', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'gpt-4-turbo');
    const modelId = globalId('Model', model.id);
    const seedShape = { ...trackBody(modelId), provider_model: undefined, model_name: 'gpt-4' };
    const requests = [
      trackBody(modelId, { idempotency_key: 'b-1' }),
      seedShape,
      trackBody(modelId, { tokens_input: 10 }),
    ];
    const response = await api<{
      requests: { request: { id: string; provider_model: string }; deduplicated: boolean }[];
      recorded: number;
    }>(org.tokens.EDITOR, 'POST', '/api/vibe/track/batch', { requests });
    expect(response.status).toBe(201);
    expect(response.body.recorded).toBe(3);
    expect(response.body.requests.map((one) => one.request.provider_model)).toEqual([
      'gpt-4-turbo-2024-04-09',
      'gpt-4',
      'gpt-4-turbo-2024-04-09',
    ]);
    expect((await apiRowCounts(org.orgId)).inference_request).toBe(3);

    const again = await api<{ recorded: number; requests: { deduplicated: boolean }[] }>(
      org.tokens.EDITOR,
      'POST',
      '/api/vibe/track/batch',
      { requests: [requests[0]] },
    );
    expect(again.body).toMatchObject({ recorded: 0, requests: [{ deduplicated: true }] });
    expect((await apiRowCounts(org.orgId)).inference_request).toBe(3);
  });

  it.each([
    ['an empty list', { requests: [] }, 400, ['body', 'requests']],
    ['a list too long', { requests: 'LONG' }, 400, ['body', 'requests']],
    [
      'a bad field in one item',
      { bad: { tokens_output: '300' } },
      400,
      ['body', 'requests', '1', 'tokens_output'],
    ],
    [
      'a service rule on one item',
      { bad: { tokens_input: 1.5 } },
      400,
      ['body', 'requests', '1', 'tokens_input'],
    ],
    [
      'an unknown model in one item',
      { bad: { model_id: 'unknown' } },
      404,
      ['body', 'requests', '1', 'model_id'],
    ],
  ])('answers %s with %s on the item and writes nothing', async (_name, spec, status, path) => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const good = trackBody(globalId('Model', model.id));
    const bad = 'bad' in spec ? { ...good, ...spec.bad } : null;
    if (bad && bad.model_id === 'unknown') bad.model_id = unknownId('Model');
    const body =
      'requests' in spec
        ? {
            requests:
              spec.requests === 'LONG' ? Array.from({ length: 1001 }, () => good) : spec.requests,
          }
        : { requests: [good, bad, good] };
    const before = await apiRowCounts(org.orgId);
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      '/api/vibe/track/batch',
      body,
    );
    expect(response.status).toBe(status);
    expect(response.body.error.path).toEqual(path);
    await expectApiNothingWritten(org.orgId, before);
  });
});

describe('POST /api/vibe/track', () => {
  it('records a request from the original snake_case fields, once per idempotency key', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'gpt-4-turbo');
    const modelId = globalId('Model', model.id);
    const body = trackBody(modelId, { idempotency_key: 'req-1', tokens_cached: 200 });
    const response = await api(org.tokens.EDITOR, 'POST', '/api/vibe/track', body);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      deduplicated: false,
      request: {
        model_id: modelId,
        provider: 'openai',
        tokens_input: 1200,
        tokens_output: 300,
        tokens_cached: 200,
        cost_usd: 0.021,
        cost_source: 'PROVIDED',
        quality_score: 0.9,
        status: 'SUCCESS',
      },
    });
    const row = await testDb()
      .selectFrom('inference_request')
      .selectAll()
      .where('id', '=', response.body.request.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ org_id: org.orgId, model_id: model.id, input_tokens: 1200 });

    const again = await api(org.tokens.EDITOR, 'POST', '/api/vibe/track', body);
    expect(again.body).toMatchObject({
      deduplicated: true,
      request: { id: response.body.request.id },
    });
    expect((await apiRowCounts(org.orgId)).inference_request).toBe(1);
  });

  it.each([
    ['fractional tokens (a service rule)', { tokens_input: 1.5 }, 400, ['body', 'tokens_input']],
    ['negative latency (a service rule)', { latency_ms: -1 }, 400, ['body', 'latency_ms']],
    ['a missing provider', { provider: undefined }, 400, ['body', 'provider']],
    ['tokens as a string', { tokens_output: '300' }, 400, ['body', 'tokens_output']],
    ['an unknown status', { status: 'timeout' }, 400, ['body', 'status']],
    ['a camelCase field', { inputTokens: 5 }, 400, ['body']],
    ['an unknown model', { model_id: 'unknown' }, 404, ['body', 'model_id']],
    ['another organization’s model', { model_id: 'foreign' }, 404, ['body', 'model_id']],
    [
      'an unknown deployment',
      { deployment_id: 'unknown-deployment' },
      404,
      ['body', 'deployment_id'],
    ],
  ])('answers %s with %s on the field and writes nothing', async (_name, patch, status, path) => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const model = await seedModel(org, 'm');
    const foreign = await seedModel(other, 'f');
    const ids: Record<string, string> = {
      unknown: unknownId('Model'),
      foreign: globalId('Model', foreign.id),
      'unknown-deployment': unknownId('Deployment'),
    };
    const body: Record<string, unknown> = trackBody(globalId('Model', model.id), patch);
    for (const field of ['model_id', 'deployment_id']) {
      body[field] = ids[body[field] as string] ?? body[field];
    }
    const before = await apiRowCounts(org.orgId);
    const response = await api<ApiErrorBody>(org.tokens.EDITOR, 'POST', '/api/vibe/track', body);
    expect(response.status).toBe(status);
    expect(response.body.error.path).toEqual(path);
    await expectApiNothingWritten(org.orgId, before);
  });

  it('answers a VIEWER with 403 and writes nothing', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const before = await apiRowCounts(org.orgId);
    const response = await api(
      org.tokens.VIEWER,
      'POST',
      '/api/vibe/track',
      trackBody(globalId('Model', model.id)),
    );
    expect(response.status).toBe(403);
    await expectApiNothingWritten(org.orgId, before);
  });
});

describe('GET /api/vibe/:modelId/costs, /trends and /roi', () => {
  it('gives the same cost, trend and ROI figures as GraphQL', async () => {
    const org = await createTestOrg();
    const { dear } = await seedUsage(org);
    const costs = await api(org.tokens.VIEWER, 'GET', `/api/vibe/${dear}/costs`);
    expect(costs.status).toBe(200);
    expect(costs.body.totals).toMatchObject({
      requests: 40,
      priced_requests: 40,
      unpriced_requests: 0,
    });
    expect(costs.body.totals.total_cost_usd).toBeCloseTo(0.8, 10);
    expect(costs.body.latency_ms).toMatchObject({ count: 40 });
    const roi = await api(org.tokens.VIEWER, 'GET', `/api/vibe/${dear}/roi`);
    expect(roi.status).toBe(200);
    const trends = await api(org.tokens.VIEWER, 'GET', `/api/vibe/${dear}/trends?granularity=hour`);
    expect(trends.status).toBe(200);
    expect(trends.body.granularity).toBe('HOUR');
    expect(
      trends.body.buckets.reduce((sum: number, b: { requests: number }) => sum + b.requests, 0),
    ).toBe(40);

    const viaGraphql = await gql(
      org.tokens.VIEWER,
      `query($id: ID!) { model(id: $id) {
        usage { requests totalCostUsd }
        roi { qualityPerDollar costPerSuccessfulRequest requests }
        usageTrends(granularity: HOUR) { start }
      } }`,
      { id: dear },
    );
    const model = viaGraphql.data?.model;
    expect(costs.body.totals.total_cost_usd).toBe(model.usage.totalCostUsd);
    expect(roi.body).toMatchObject({
      quality_per_dollar: model.roi.qualityPerDollar,
      cost_per_successful_request_usd: model.roi.costPerSuccessfulRequest,
      requests: model.roi.requests,
    });
    expect(trends.body.buckets.map((b: { start: string }) => b.start)).toEqual(
      model.usageTrends.map((b: { start: string }) => b.start),
    );
  });

  it.each([
    ['costs', 'start=2026-02-01T00:00:00Z&end=2026-01-01T00:00:00Z', ['query', 'start']],
    ['costs', 'end=tomorrow', ['query', 'end']],
    ['roi', 'start=2020-01-01T00:00:00Z&end=2026-01-01T00:00:00Z', ['query', 'start']],
    ['trends', 'granularity=fortnight', ['query', 'granularity']],
    [
      'trends',
      'granularity=HOUR&start=2026-01-01T00:00:00Z&end=2026-03-01T00:00:00Z',
      ['query', 'granularity'],
    ],
  ])('answers /%s?%s with 400 on the parameter', async (route, query, path) => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const response = await api<ApiErrorBody>(
      org.tokens.VIEWER,
      'GET',
      `/api/vibe/${globalId('Model', model.id)}/${route}?${query}`,
    );
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path });
  });

  it('answers an unknown or other organization’s model with 404', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const foreign = await seedModel(other, 'f');
    for (const id of [unknownId('Model'), globalId('Model', foreign.id)]) {
      for (const route of ['costs', 'trends', 'roi']) {
        const response = await api<ApiErrorBody>(
          org.tokens.VIEWER,
          'GET',
          `/api/vibe/${id}/${route}`,
        );
        expect(response.status, route).toBe(404);
        expect(response.body.error.path).toEqual(['params', 'modelId']);
      }
    }
  });
});

describe('POST /api/vibe/compare', () => {
  it('compares two models arm by arm and names the winner, as GraphQL abTestCompare does', async () => {
    const org = await createTestOrg();
    const { cheap, dear } = await seedUsage(org);
    const response = await api(org.tokens.VIEWER, 'POST', '/api/vibe/compare', {
      model_ids: [cheap, dear],
      objective: 'quality',
    });
    expect(response.status).toBe(200);
    expect(response.body.arms_by).toBe('MODEL');
    expect(response.body.arms.map((arm: { arm_id: string }) => arm.arm_id).sort()).toEqual(
      [cheap, dear].sort(),
    );
    expect(response.body.verdict).toMatchObject({
      outcome: 'WINNER',
      winner: dear,
      objective: 'QUALITY',
    });
    expect(response.body.comparisons).toHaveLength(1);
    const viaGraphql = await gql(
      org.tokens.VIEWER,
      'query($ids: [ID!]) { abTestCompare(modelIds: $ids) { verdict { outcome winner } } }',
      { ids: [cheap, dear] },
    );
    expect(viaGraphql.data?.abTestCompare.verdict).toEqual({ outcome: 'WINNER', winner: dear });
  });

  it.each([
    // An experiment with models is the seed's call (test/api/seed-contract.test.ts): those arms.
    [
      'both models and versions',
      { model_ids: ['cheap'], version_ids: ['cheap'] },
      400,
      ['body', 'version_ids'],
    ],
    ['neither', {}, 400, ['body']],
    ['an unknown model', { model_ids: ['unknown'] }, 400, ['body', 'model_ids', '0']],
    // The index is the one in the list as sent, duplicates included.
    [
      'an unknown model after a duplicate',
      { model_ids: ['cheap', 'cheap', 'unknown'] },
      400,
      ['body', 'model_ids', '2'],
    ],
    [
      'an unknown experiment',
      { experiment_id: 'unknown-experiment' },
      400,
      ['body', 'experiment_id'],
    ],
    ['an alpha out of range', { model_ids: ['cheap'], alpha: 0.9 }, 400, ['body', 'alpha']],
    [
      'arms_by that is not one',
      { experiment_id: 'experiment', arms_by: 'provider' },
      400,
      ['body', 'arms_by'],
    ],
  ])('answers %s with %s on the field', async (_name, patch, status, path) => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'cheap');
    const experiment = await seedExperiment(org, 'ab');
    const ids: Record<string, string> = {
      cheap: globalId('Model', model.id),
      unknown: unknownId('Model'),
      experiment: globalId('Experiment', experiment.id),
      'unknown-experiment': unknownId('Experiment'),
    };
    const body: Record<string, unknown> = { ...patch };
    if (Array.isArray(body.model_ids))
      body.model_ids = body.model_ids.map((id: string) => ids[id] ?? id);
    if (typeof body.experiment_id === 'string') body.experiment_id = ids[body.experiment_id];
    const response = await api<ApiErrorBody>(org.tokens.VIEWER, 'POST', '/api/vibe/compare', body);
    expect(response.status).toBe(status);
    expect(response.body.error.path).toEqual(path);
  });
});
