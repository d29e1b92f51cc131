// The REST performance routes: recording a measurement, a model's series and statistics, and the
// comparison of models, with the rows written (or not) and the same figures as GraphQL.
import { describe, expect, it } from 'vitest';
import { RecordingEventSink } from '../../src/ports/event-sink.ts';
import { recordMetrics } from '../../src/registry/metrics/metrics.service.ts';
import {
  globalId,
  seedModel,
  seedVersion,
  serviceDeps,
  unknownId,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg, testDb } from '../helpers/graphql.ts';
import { type ApiErrorBody, api } from './api-client.ts';
import { apiRowCounts, expectApiNothingWritten } from './api-fixtures.ts';

async function seedLatencies(org: TestOrg, name: string, values: number[]) {
  const model = await seedModel(org, name);
  const version = await seedVersion(org, model.id, '1.0.0');
  const now = Date.now();
  await recordMetrics(
    serviceDeps(),
    viewerOf(org),
    new RecordingEventSink(),
    values.map((value, index) => ({
      versionId: version.id,
      type: 'LATENCY' as const,
      value,
      timestamp: new Date(now - (index + 1) * 60_000),
    })),
  );
  return { model, version, modelId: globalId('Model', model.id) };
}

describe('POST /api/performance/metrics', () => {
  it('records one measurement from snake_case fields', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'claude');
    const version = await seedVersion(org, model.id, '1.0.0');
    const response = await api(org.tokens.EDITOR, 'POST', '/api/performance/metrics', {
      version_id: globalId('ModelVersion', version.id),
      metric_type: 'accuracy',
      value: 0.93,
      context: { dataset: 'holdout' },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      model_id: globalId('Model', model.id),
      version_id: globalId('ModelVersion', version.id),
      metric_type: 'ACCURACY',
      name: null,
      value: 0.93,
      context: { dataset: 'holdout' },
    });
    const row = await testDb()
      .selectFrom('metric_point')
      .selectAll()
      .where('id', '=', response.body.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      org_id: org.orgId,
      version_id: version.id,
      metric: 'ACCURACY',
      value: 0.93,
    });

    const custom = await api(org.tokens.EDITOR, 'POST', '/api/performance/metrics', {
      version_id: globalId('ModelVersion', version.id),
      metric_type: 'CUSTOM',
      name: 'bleu',
      value: 31.5,
    });
    expect(custom.body).toMatchObject({ metric_type: 'CUSTOM', name: 'bleu' });
  });

  it.each([
    [
      'an accuracy above 1 (a service rule)',
      { metric_type: 'ACCURACY', value: 1.5 },
      400,
      ['body', 'value'],
    ],
    ['an unknown metric type', { metric_type: 'speed', value: 1 }, 400, ['body', 'metric_type']],
    [
      'a CUSTOM metric without a name (a service rule)',
      { metric_type: 'CUSTOM', value: 1 },
      400,
      ['body', 'name'],
    ],
    [
      'a value that is not a number',
      { metric_type: 'LATENCY', value: '12' },
      400,
      ['body', 'value'],
    ],
    [
      'a future timestamp (a service rule)',
      { metric_type: 'LATENCY', value: 1, timestamp: '2999-01-01T00:00:00Z' },
      400,
      ['body', 'timestamp'],
    ],
    [
      'a timestamp that is not ISO-8601',
      { metric_type: 'LATENCY', value: 1, timestamp: 'yesterday' },
      400,
      ['body', 'timestamp'],
    ],
    [
      'an unknown version',
      { metric_type: 'LATENCY', value: 1, version_id: 'unknown' },
      404,
      ['body', 'version_id'],
    ],
    [
      'another organization’s version',
      { metric_type: 'LATENCY', value: 1, version_id: 'foreign' },
      404,
      ['body', 'version_id'],
    ],
  ])('answers %s with %s on the field and writes nothing', async (_name, patch, status, path) => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const model = await seedModel(org, 'm');
    const version = await seedVersion(org, model.id, '1.0.0');
    const foreignModel = await seedModel(other, 'f');
    const foreign = await seedVersion(other, foreignModel.id, '1.0.0');
    const ids: Record<string, string> = {
      unknown: unknownId('ModelVersion'),
      foreign: globalId('ModelVersion', foreign.id),
    };
    const body: Record<string, unknown> = {
      version_id: globalId('ModelVersion', version.id),
      ...patch,
    };
    body.version_id = ids[body.version_id as string] ?? body.version_id;
    const before = await apiRowCounts(org.orgId);
    const response = await api<ApiErrorBody>(
      org.tokens.EDITOR,
      'POST',
      '/api/performance/metrics',
      body,
    );
    expect(response.status).toBe(status);
    expect(response.body.error.path).toEqual(path);
    await expectApiNothingWritten(org.orgId, before);
  });

  it('answers a VIEWER with 403 and writes nothing', async () => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const version = await seedVersion(org, model.id, '1.0.0');
    const before = await apiRowCounts(org.orgId);
    const response = await api(org.tokens.VIEWER, 'POST', '/api/performance/metrics', {
      version_id: globalId('ModelVersion', version.id),
      metric_type: 'LATENCY',
      value: 1,
    });
    expect(response.status).toBe(403);
    await expectApiNothingWritten(org.orgId, before);
  });
});

describe('GET /api/performance/:modelId/stats and /metrics', () => {
  it('gives the same statistics as GraphQL metricStats, and daily buckets', async () => {
    const org = await createTestOrg();
    const { modelId } = await seedLatencies(org, 'fast', [100, 200, 300, 400]);
    const stats = await api(
      org.tokens.VIEWER,
      'GET',
      `/api/performance/${modelId}/stats?type=latency`,
    );
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({
      metric_type: 'LATENCY',
      count: 4,
      mean: 250,
      min: 100,
      max: 400,
    });
    const viaGraphql = await gql(
      org.tokens.VIEWER,
      'query($id: ID!) { model(id: $id) { metricStats(type: LATENCY) { count mean p50 p95 p99 stddev } } }',
      { id: modelId },
    );
    const graphqlStats = viaGraphql.data?.model.metricStats;
    expect(stats.body).toMatchObject(graphqlStats);

    const series = await api(
      org.tokens.VIEWER,
      'GET',
      `/api/performance/${modelId}/metrics?type=LATENCY&granularity=day`,
    );
    expect(series.status).toBe(200);
    const counted = series.body.buckets.reduce(
      (sum: number, bucket: { count: number }) => sum + bucket.count,
      0,
    );
    expect(counted).toBe(4);
    expect(series.body.granularity).toBe('DAY');

    const empty = await api(
      org.tokens.VIEWER,
      'GET',
      `/api/performance/${modelId}/stats?type=THROUGHPUT`,
    );
    expect(empty.body).toMatchObject({ count: 0, mean: null });
  });

  it.each([
    ['stats', '', ['query', 'type']],
    ['stats', 'type=SPEED', ['query', 'type']],
    ['stats', 'type=CUSTOM', ['query', 'name']],
    [
      'stats',
      'type=LATENCY&start=2026-02-01T00:00:00Z&end=2026-01-01T00:00:00Z',
      ['query', 'start'],
    ],
    ['stats', 'type=LATENCY&start=last-week', ['query', 'start']],
    ['metrics', 'type=LATENCY&granularity=minute', ['query', 'granularity']],
    [
      'metrics',
      'type=LATENCY&granularity=HOUR&start=2026-01-01T00:00:00Z&end=2026-03-01T00:00:00Z',
      ['query', 'granularity'],
    ],
  ])('answers /%s?%s with 400 on the parameter', async (route, query, path) => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const response = await api<ApiErrorBody>(
      org.tokens.VIEWER,
      'GET',
      `/api/performance/${globalId('Model', model.id)}/${route}?${query}`,
    );
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'VALIDATION_ERROR', path });
  });

  it('answers an unknown or other organization’s model with 404', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const foreign = await seedModel(other, 'f');
    for (const id of [unknownId('Model'), globalId('Model', foreign.id)]) {
      for (const route of ['stats', 'metrics']) {
        const response = await api<ApiErrorBody>(
          org.tokens.VIEWER,
          'GET',
          `/api/performance/${id}/${route}?type=LATENCY`,
        );
        expect(response.status).toBe(404);
        expect(response.body.error.path).toEqual(['params', 'modelId']);
      }
    }
  });
});

describe('POST /api/performance/compare', () => {
  it('ranks models by the metric, lowest latency first, as GraphQL modelComparison does', async () => {
    const org = await createTestOrg();
    const slow = await seedLatencies(org, 'slow', [900, 1100]);
    const fast = await seedLatencies(org, 'fast', [90, 110]);
    const idle = await seedModel(org, 'idle');
    const modelIds = [slow.modelId, fast.modelId, globalId('Model', idle.id)];
    const response = await api(org.tokens.VIEWER, 'POST', '/api/performance/compare', {
      model_ids: modelIds,
      metric_type: 'latency',
    });
    expect(response.status).toBe(200);
    expect(
      response.body.entries.map((entry: { model_id: string; rank: number | null }) => [
        entry.model_id,
        entry.rank,
      ]),
    ).toEqual([
      [fast.modelId, 1],
      [slow.modelId, 2],
      [globalId('Model', idle.id), null],
    ]);
    expect(response.body.entries[0].stats).toMatchObject({ count: 2, mean: 100 });
    const viaGraphql = await gql(
      org.tokens.VIEWER,
      'query($ids: [ID!]!) { modelComparison(modelIds: $ids, metricType: LATENCY) { rank model { id } } }',
      { ids: modelIds },
    );
    expect(
      viaGraphql.data?.modelComparison.map((e: { rank: number | null; model: { id: string } }) => [
        e.model.id,
        e.rank,
      ]),
    ).toEqual(
      response.body.entries.map((entry: { model_id: string; rank: number | null }) => [
        entry.model_id,
        entry.rank,
      ]),
    );
  });

  it.each([
    ['no models (a service rule)', { model_ids: [] }, 400, ['body', 'model_ids']],
    [
      'an unknown model (refused as GraphQL refuses it)',
      { model_ids: ['unknown'] },
      400,
      ['body', 'model_ids', '0'],
    ],
    ['a malformed id', { model_ids: ['garbage'] }, 404, ['body', 'model_ids', '0']],
    ['a missing metric type', { metric_type: undefined }, 400, ['body', 'metric_type']],
    ['a name without CUSTOM', { name: 'bleu' }, 400, ['body', 'name']],
  ])('answers %s with %s on the field', async (_name, patch, status, path) => {
    const org = await createTestOrg();
    const model = await seedModel(org, 'm');
    const body: Record<string, unknown> = {
      model_ids: [globalId('Model', model.id)],
      metric_type: 'LATENCY',
      ...patch,
    };
    body.model_ids = (body.model_ids as string[]).map((id) =>
      id === 'unknown' ? unknownId('Model') : id,
    );
    const response = await api<ApiErrorBody>(
      org.tokens.VIEWER,
      'POST',
      '/api/performance/compare',
      body,
    );
    expect(response.status).toBe(status);
    expect(response.body.error.path).toEqual(path);
  });
});
