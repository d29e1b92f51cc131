// Performance metrics through the Worker: recording (all or nothing, Analytics Engine contract),
// exact statistics and series, comparisons, degradation alerts, and bad input.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { RecordingEventSink } from '../../src/ports/event-sink.ts';
import { ValidationError } from '../../src/registry/errors.ts';
import { recordMetrics } from '../../src/registry/metrics/metrics.service.ts';
import {
  fieldOf,
  globalId,
  seedModel,
  seedVersion,
  serviceDeps,
  topLevelError,
  unknownId,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';

const MetricsRecord = /* GraphQL */ `
  mutation MetricsRecord($input: MetricsRecordInput!) {
    metricsRecord(input: $input) {
      __typename
      ... on MetricsRecordPayload { recorded }
      ... on Error { message path }
    }
  }
`;

const Stats = /* GraphQL */ `
  query Stats($versionId: ID!, $modelId: ID!, $from: DateTime, $to: DateTime) {
    version: node(id: $versionId) {
      ... on ModelVersion {
        metricStats(type: LATENCY, from: $from, to: $to) { count mean min max stddev p50 p95 p99 }
        metricSeries(type: LATENCY, granularity: DAY, from: $from, to: $to) { start count mean min max }
      }
    }
    model: node(id: $modelId) {
      ... on Model {
        metricStats(type: LATENCY, from: $from, to: $to) { count mean p50 }
        custom: metricStats(type: CUSTOM, name: "bleu", from: $from, to: $to) { count mean }
      }
    }
  }
`;

const Comparison = /* GraphQL */ `
  query Comparison($modelIds: [ID!]!, $type: MetricType!, $from: DateTime, $to: DateTime) {
    modelComparison(modelIds: $modelIds, metricType: $type, from: $from, to: $to) {
      rank model { name } stats { count mean }
    }
  }
`;

const Alerts = /* GraphQL */ `
  query Alerts($modelId: ID, $at: DateTime) {
    metricAlerts(modelId: $modelId, at: $at, recentHours: 24, baselineHours: 168, alpha: 0.01, minSamples: 30) {
      model { name } modelVersion { version } metricType direction
      baseline { count mean } recent { count mean }
      difference relativeChange effectSize tStatistic pValue
    }
  }
`;

const DAY = 86_400_000;
const BASE = Date.parse('2026-10-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

async function metricRowCount(orgId: string) {
  const row = await env.DB.prepare('SELECT count(*) AS n FROM metric_point WHERE org_id = ?')
    .bind(orgId)
    .first<{ n: number }>();
  return row?.n ?? -1;
}

async function setup(name = 'm') {
  const org = await createTestOrg(name);
  const model = await seedModel(org, `${name}-model`);
  const v1 = await seedVersion(org, model.id, '1.0.0');
  const v2 = await seedVersion(org, model.id, '2.0.0');
  return { org, model, v1, v2 };
}

function record(org: TestOrg, points: Record<string, unknown>[]) {
  return gql(org.tokens.EDITOR, MetricsRecord, { input: { points } });
}

describe('metricsRecord and metricStats', () => {
  it('records a batch and reports exact statistics over the stored points', async () => {
    const { org, model, v1, v2 } = await setup();
    const v1Id = globalId('ModelVersion', v1.id);
    // Latencies 1..10 on two days for v1; 100 for v2 (model-level statistics pool both).
    const points = [
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((value, i) => ({
        versionId: v1Id,
        type: 'LATENCY',
        value,
        context: { region: 'eu' },
        timestamp: iso(BASE + (i < 5 ? 0 : DAY) + i * 1000),
      })),
      {
        versionId: globalId('ModelVersion', v2.id),
        type: 'LATENCY',
        value: 100,
        timestamp: iso(BASE),
      },
      { versionId: v1Id, type: 'CUSTOM', name: 'bleu', value: 0.25, timestamp: iso(BASE) },
      { versionId: v1Id, type: 'CUSTOM', name: 'bleu', value: 0.75, timestamp: iso(BASE) },
    ];
    const result = fieldOf(await record(org, points), 'metricsRecord');
    expect(result).toEqual({ __typename: 'MetricsRecordPayload', recorded: 13 });
    expect(await metricRowCount(org.orgId)).toBe(13);

    const response = await gql(org.tokens.VIEWER, Stats, {
      versionId: v1Id,
      modelId: globalId('Model', model.id),
      from: iso(BASE - DAY),
      to: iso(BASE + 3 * DAY),
    });
    expect(response.errors).toBeUndefined();
    const stats = response.data?.version.metricStats;
    expect(stats.count).toBe(10);
    expect(stats.mean).toBeCloseTo(5.5, 10);
    expect(stats.min).toBe(1);
    expect(stats.max).toBe(10);
    expect(stats.stddev).toBeCloseTo(Math.sqrt(82.5 / 9), 10);
    expect(stats.p50).toBeCloseTo(5.5, 10);
    expect(stats.p95).toBeCloseTo(9.55, 10);
    expect(stats.p99).toBeCloseTo(9.91, 10);
    expect(response.data?.version.metricSeries).toEqual([
      { start: iso(BASE), count: 5, mean: 3, min: 1, max: 5 },
      { start: iso(BASE + DAY), count: 5, mean: 8, min: 6, max: 10 },
    ]);
    // Model level: 1..10 and 100; the median of 11 values is the 6th.
    expect(response.data?.model.metricStats).toEqual({ count: 11, mean: 155 / 11, p50: 6 });
    expect(response.data?.model.custom).toEqual({ count: 2, mean: 0.5 });

    // A range that excludes the points gives count 0 and nulls, not zeros.
    const empty = await gql(org.tokens.VIEWER, Stats, {
      versionId: v1Id,
      modelId: globalId('Model', model.id),
      from: iso(BASE + 5 * DAY),
      to: iso(BASE + 6 * DAY),
    });
    expect(empty.data?.version.metricStats).toEqual({
      count: 0,
      mean: null,
      min: null,
      max: null,
      stddev: null,
      p50: null,
      p95: null,
      p99: null,
    });
  });

  it('refuses each kind of bad point with its index, and writes nothing', async () => {
    const { org, v1 } = await setup('bad');
    const versionId = globalId('ModelVersion', v1.id);
    const good = { versionId, type: 'LATENCY', value: 5 };
    const cases: [Record<string, unknown>, string, string[]][] = [
      [{ ...good, value: -1 }, 'ValidationError', ['input', 'points', '1', 'value']],
      [
        { ...good, type: 'ACCURACY', value: 1.5 },
        'ValidationError',
        ['input', 'points', '1', 'value'],
      ],
      [
        { ...good, timestamp: iso(Date.now() + 3600_000) },
        'ValidationError',
        ['input', 'points', '1', 'timestamp'],
      ],
      [
        { ...good, timestamp: '1999-12-31T00:00:00.000Z' },
        'ValidationError',
        ['input', 'points', '1', 'timestamp'],
      ],
      [{ ...good, type: 'CUSTOM' }, 'ValidationError', ['input', 'points', '1', 'name']],
      [{ ...good, name: 'x' }, 'ValidationError', ['input', 'points', '1', 'name']],
      [{ ...good, context: [1, 2] }, 'ValidationError', ['input', 'points', '1', 'context']],
      [
        { ...good, versionId: unknownId('ModelVersion') },
        'NotFoundError',
        ['input', 'points', '1', 'versionId'],
      ],
      [
        { ...good, versionId: globalId('Model', v1.id) },
        'NotFoundError',
        ['input', 'points', '1', 'versionId'],
      ],
    ];
    for (const [bad, typename, path] of cases) {
      const result = fieldOf(await record(org, [good, bad, good]), 'metricsRecord');
      expect(result.__typename, JSON.stringify(bad)).toBe(typename);
      expect(result.path).toEqual(path);
    }
    const tooMany = fieldOf(
      await record(
        org,
        Array.from({ length: 1001 }, () => good),
      ),
      'metricsRecord',
    );
    expect(tooMany).toMatchObject({ __typename: 'ValidationError', path: ['input', 'points'] });
    const none = fieldOf(await record(org, []), 'metricsRecord');
    expect(none.__typename).toBe('ValidationError');
    // Another organization's version is unknown here.
    const other = await setup('other');
    const foreign = fieldOf(
      await record(org, [{ ...good, versionId: globalId('ModelVersion', other.v1.id) }]),
      'metricsRecord',
    );
    expect(foreign.__typename).toBe('NotFoundError');
    // NaN and Infinity cannot travel in JSON; GraphQL refuses them before the resolver.
    const nan = await gql(org.tokens.EDITOR, MetricsRecord, {
      input: { points: [{ ...good, value: 'NaN' }] },
    });
    expect(topLevelError(nan).message).toMatch(/Float/);
    expect(await metricRowCount(org.orgId)).toBe(0);
  });

  it('records up to the cap of 1,000 points in one call', async () => {
    const { org, v1 } = await setup('cap');
    const versionId = globalId('ModelVersion', v1.id);
    const points = Array.from({ length: 1000 }, (_, i) => ({
      versionId,
      type: 'THROUGHPUT',
      value: i,
    }));
    const result = await record(org, points);
    expect(fieldOf(result, 'metricsRecord')).toEqual({
      __typename: 'MetricsRecordPayload',
      recorded: 1000,
    });
    expect(await metricRowCount(org.orgId)).toBe(1000);
    // One batch: token lookup, the version lookup, and 4 INSERTs of 250 points.
    expect(result.statements).toBeLessThanOrEqual(7);
  });

  it('writes one Analytics Engine event per point after the commit, and none when refused', async () => {
    const { org, model, v1 } = await setup('ae');
    const sink = new RecordingEventSink();
    await recordMetrics(serviceDeps(), viewerOf(org), sink, [
      { versionId: v1.id, type: 'LATENCY', value: 12.5, timestamp: new Date(BASE) },
      { versionId: v1.id, type: 'CUSTOM', name: 'bleu', value: 0.3, timestamp: new Date(BASE + 1) },
    ]);
    expect(sink.events).toEqual([
      { index: org.orgId, blobs: ['metric', 'LATENCY', model.id, v1.id], doubles: [12.5, BASE] },
      {
        index: org.orgId,
        blobs: ['metric', 'custom:bleu', model.id, v1.id],
        doubles: [0.3, BASE + 1],
      },
    ]);
    const refused = new RecordingEventSink();
    await expect(
      recordMetrics(serviceDeps(), viewerOf(org), refused, [
        { versionId: v1.id, type: 'LATENCY', value: 1 },
        { versionId: v1.id, type: 'LATENCY', value: Number.NaN },
      ]),
    ).rejects.toThrow(ValidationError);
    await expect(
      recordMetrics(serviceDeps(), viewerOf(org), refused, [
        { versionId: v1.id, type: 'QUALITY', value: Number.POSITIVE_INFINITY },
      ]),
    ).rejects.toMatchObject({ path: ['points', '0', 'value'] });
    expect(refused.events).toEqual([]);
    expect(await metricRowCount(org.orgId)).toBe(2);
  });

  it('lets viewers read but not record', async () => {
    const { org, v1 } = await setup('roles');
    const response = await gql(org.tokens.VIEWER, MetricsRecord, {
      input: {
        points: [{ versionId: globalId('ModelVersion', v1.id), type: 'LATENCY', value: 1 }],
      },
    });
    expect(topLevelError(response).extensions?.code).toBe('FORBIDDEN');
    expect(await metricRowCount(org.orgId)).toBe(0);
  });
});

describe('modelComparison', () => {
  it('ranks models by the metric’s good direction; models without points come last', async () => {
    const org = await createTestOrg('cmp');
    const names = ['fast', 'slow', 'silent'];
    const models: { model: { id: string }; version: { id: string } }[] = [];
    for (const name of names) {
      const model = await seedModel(org, name);
      models.push({ model, version: await seedVersion(org, model.id, '1.0.0') });
    }
    const point = (index: number, value: number) => ({
      versionId: globalId('ModelVersion', models[index]?.version.id as string),
      type: 'LATENCY',
      value,
      timestamp: iso(BASE),
    });
    fieldOf(
      await record(org, [point(0, 10), point(0, 20), point(1, 200), point(1, 300)]),
      'metricsRecord',
    );
    const ids = models.map(({ model }) => globalId('Model', model.id));
    const range = { from: iso(BASE - DAY), to: iso(BASE + DAY) };
    const latency = fieldOf(
      await gql(org.tokens.VIEWER, Comparison, { modelIds: ids, type: 'LATENCY', ...range }),
      'modelComparison',
    );
    expect(latency).toEqual([
      { rank: 1, model: { name: 'fast' }, stats: { count: 2, mean: 15 } },
      { rank: 2, model: { name: 'slow' }, stats: { count: 2, mean: 250 } },
      { rank: null, model: { name: 'silent' }, stats: { count: 0, mean: null } },
    ]);
    const bad = await gql(org.tokens.VIEWER, Comparison, {
      modelIds: [unknownId('Model')],
      type: 'LATENCY',
    });
    expect(topLevelError(bad).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const badRange = await gql(org.tokens.VIEWER, Comparison, {
      modelIds: ids,
      type: 'LATENCY',
      from: range.to,
      to: range.from,
    });
    expect(topLevelError(badRange).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'from',
    });
  });

  it('answers a list of models with a constant number of statements, metrics and usage alike', async () => {
    const org = await createTestOrg('batch');
    for (let i = 0; i < 6; i++) await seedModel(org, `batch-${i}`);
    const List = /* GraphQL */ `
      query List($first: Int!) {
        models(first: $first) { edges { node {
          name
          metricStats(type: LATENCY) { count p95 }
          metricSeries(type: LATENCY, granularity: DAY) { count }
          usage { requests latency { p50 } byProvider { provider } byDeployment { requests } }
          usageTrends(granularity: DAY) { requests }
          roi { qualityPerDollar }
          autoPromotionRule { enabled }
        } } }
      }
    `;
    // A token's first use records it (in the background); wait for that so no count includes it.
    await gql(org.tokens.VIEWER, '{ viewer { id } }');
    for (let i = 0; i < 50; i++) {
      const token = await env.DB.prepare(
        'SELECT count(*) AS n FROM api_token WHERE user_id = ? AND last_used_at IS NOT NULL',
      )
        .bind(org.userIds.VIEWER)
        .first<{ n: number }>();
      if (token?.n) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const two = await gql(org.tokens.VIEWER, List, { first: 2 });
    const six = await gql(org.tokens.VIEWER, List, { first: 6 });
    expect(six.errors).toBeUndefined();
    expect(six.data?.models.edges).toHaveLength(6);
    expect(six.statements).toBe(two.statements);
  });
});

describe('metricAlerts', () => {
  it('flags a version whose recent latency is significantly worse than its baseline', async () => {
    const { org, model, v1, v2 } = await setup('alert');
    const at = BASE + 10 * DAY;
    const v1Id = globalId('ModelVersion', v1.id);
    const v2Id = globalId('ModelVersion', v2.id);
    const wave = (i: number) => [-4, -2, 0, 2, 4][i % 5] as number;
    const points = [];
    for (let i = 0; i < 40; i++) {
      // v1: baseline ~100 ms, recent ~130 ms (worse). v2: baseline ~100, recent ~80 (better).
      points.push({
        versionId: v1Id,
        type: 'LATENCY',
        value: 100 + wave(i),
        timestamp: iso(at - 3 * DAY + i * 60_000),
      });
      points.push({
        versionId: v1Id,
        type: 'LATENCY',
        value: 130 + wave(i),
        timestamp: iso(at - DAY / 2 + i * 60_000),
      });
      points.push({
        versionId: v2Id,
        type: 'LATENCY',
        value: 100 + wave(i),
        timestamp: iso(at - 3 * DAY + i * 60_000),
      });
      points.push({
        versionId: v2Id,
        type: 'LATENCY',
        value: 80 + wave(i),
        timestamp: iso(at - DAY / 2 + i * 60_000),
      });
    }
    // Too few recent points to judge: accuracy dropped, but only 5 points.
    for (let i = 0; i < 5; i++) {
      points.push({
        versionId: v1Id,
        type: 'ACCURACY',
        value: 0.5,
        timestamp: iso(at - DAY / 2 + i),
      });
      points.push({
        versionId: v1Id,
        type: 'ACCURACY',
        value: 0.9,
        timestamp: iso(at - 3 * DAY + i),
      });
    }
    fieldOf(await record(org, points), 'metricsRecord');
    const alerts = fieldOf(
      await gql(org.tokens.VIEWER, Alerts, { modelId: globalId('Model', model.id), at: iso(at) }),
      'metricAlerts',
    );
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert).toMatchObject({
      model: { name: 'alert-model' },
      modelVersion: { version: '1.0.0' },
      metricType: 'LATENCY',
      direction: 'WORSE',
      baseline: { count: 40, mean: 100 },
      recent: { count: 40, mean: 130 },
      difference: 30,
      relativeChange: 0.3,
    });
    // Both windows have sd = sqrt(8 * 40 / 39); d = 30 / that.
    expect(alert.effectSize).toBeCloseTo(30 / Math.sqrt(320 / 39), 6);
    expect(alert.pValue).toBeLessThan(1e-10);
    const bad = await gql(org.tokens.VIEWER, /* GraphQL */ `{ metricAlerts(alpha: 2) { pValue } }`);
    expect(topLevelError(bad).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'alpha',
    });
  });
});
