// biome-ignore-all lint/suspicious/noExplicitAny: response shapes are checked by the assertions
// Alerts pushed, not pulled: the scheduled job opens a degradation alert once (alert.opened), does
// not announce it again while it stays open, and clears it once (alert.cleared); metricAlerts
// shows what the job recorded. The same job announces budget thresholds no tracking call did.
import { describe, expect, it } from 'vitest';
import { RecordingEventSink } from '../../src/ports/event-sink.ts';
import { setBudget } from '../../src/registry/budget/budget.service.ts';
import { evaluateMetricAlerts } from '../../src/registry/metrics/metric-alert.service.ts';
import { recordMetrics } from '../../src/registry/metrics/metrics.service.ts';
import { trackInferences } from '../../src/registry/usage/usage.service.ts';
import { budgetThresholdJob, metricAlertJob, SCHEDULED_JOBS } from '../../src/scheduled.ts';
import {
  auditEvents,
  fieldOf,
  seedModel,
  seedVersion,
  serviceDeps,
  viewerOf,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const Alerts = /* GraphQL */ `
  query Alerts($at: DateTime, $source: MetricAlertSource!, $cleared: Int!) {
    metricAlerts(at: $at, source: $source, clearedWithinHours: $cleared) {
      metricType state openedAt clearedAt pValue
      modelVersion { version }
      recent { mean count }
    }
  }
`;

type Org = Awaited<ReturnType<typeof createTestOrg>>;

/**
 * 40 latency points of a version around 100 ms three days before `at`, and 40 around `recent`
 * ms starting `recentHours` before `at`.
 */
function latencyPoints(versionId: string, at: number, recent: number, recentHours: number) {
  const wave = (i: number) => (i % 2 === 0 ? 3 : -3);
  return Array.from({ length: 40 }, (_, i) => [
    {
      versionId,
      type: 'LATENCY' as const,
      value: 100 + wave(i),
      timestamp: new Date(at - 3 * DAY + i * 60_000),
    },
    {
      versionId,
      type: 'LATENCY' as const,
      value: recent + wave(i),
      timestamp: new Date(at - recentHours * HOUR + i * 60_000),
    },
  ]).flat();
}

/** v1's latency got 30% worse in the last 12 hours before `at`; v2's did not change. */
async function degradedModel(name: string, at: number) {
  const org = await createTestOrg(name);
  const model = await seedModel(org, `${name}-model`);
  const v1 = await seedVersion(org, model.id, '1.0.0');
  const v2 = await seedVersion(org, model.id, '2.0.0');
  await recordMetrics(serviceDeps(), viewerOf(org), new RecordingEventSink(), [
    ...latencyPoints(v1.id, at, 130, 12),
    ...latencyPoints(v2.id, at, 100, 12),
  ]);
  return { org, model, v1, v2 };
}

async function alertsAt(org: Org, at: number, source: 'RECORDED' | 'LIVE', cleared: number) {
  const answer = await gql(org.tokens.VIEWER, Alerts, {
    at: new Date(at).toISOString(),
    source,
    cleared,
  });
  return fieldOf(answer, 'metricAlerts');
}

describe('the degradation alert job', () => {
  it('opens an alert once, does not re-send it while open, and clears it once', async () => {
    // A time of its own, so that other tests' points are outside the job's windows.
    const at = Date.parse('2024-03-10T06:00:00.000Z') + Math.floor(Math.random() * 1000) * HOUR;
    const { org, v1 } = await degradedModel('alert-job', at);
    const opened = () => auditEvents(org.orgId, { action: 'alert.opened' });
    const cleared = () => auditEvents(org.orgId, { action: 'alert.cleared' });

    // when: the job runs, then again 15 and 30 minutes later
    await evaluateMetricAlerts(serviceDeps(), new Date(at));
    await evaluateMetricAlerts(serviceDeps(), new Date(at + 15 * 60_000));
    await metricAlertJob(serviceDeps() as never, new Date(at + 30 * 60_000));

    // then: one alert.opened, about v1, with the test statistics
    const events = await opened();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subject_id: v1.id,
      subject_kind: 'ModelVersion',
      actor_id: null,
    });
    expect(events[0]?.after).toMatchObject({
      metric: 'LATENCY',
      versionId: v1.id,
      direction: 'WORSE',
      difference: 30,
      recent: { count: 40, mean: 130 },
    });
    expect((events[0] as any).after.pValue).toBeLessThan(1e-10);
    expect((events[0] as any).after.alertId).toEqual(expect.any(String));
    expect(await cleared()).toHaveLength(0);

    const recorded = await alertsAt(org, at + HOUR, 'RECORDED', 168);
    expect(recorded).toMatchObject([
      {
        metricType: 'LATENCY',
        state: 'OPEN',
        openedAt: new Date(at).toISOString(),
        clearedAt: null,
        modelVersion: { version: '1.0.0' },
      },
    ]);
    // The live answer (today's behaviour) says when the job first found it.
    const live = await alertsAt(org, at, 'LIVE', 0);
    expect(live).toMatchObject([{ state: 'OPEN', openedAt: new Date(at).toISOString() }]);

    // when: ten days later the recent window holds nothing bad any more, and the job runs twice
    const later = at + 10 * DAY;
    await evaluateMetricAlerts(serviceDeps(), new Date(later));
    await evaluateMetricAlerts(serviceDeps(), new Date(later + 15 * 60_000));

    // then: cleared once, opened still once
    const clears = await cleared();
    expect(clears).toHaveLength(1);
    expect(clears[0]?.after).toMatchObject({
      alertId: (events[0] as any).after.alertId,
      metric: 'LATENCY',
      clearedAt: new Date(later).toISOString(),
    });
    expect(await opened()).toHaveLength(1);
    const after = await alertsAt(org, later, 'RECORDED', 24);
    expect(after).toMatchObject([{ state: 'CLEARED', clearedAt: new Date(later).toISOString() }]);
    const outside = await alertsAt(org, later + 2 * DAY, 'RECORDED', 24);
    expect(outside).toEqual([]);

    // A new degradation of the same version and metric opens a new alert (announced again).
    await recordMetrics(
      serviceDeps(),
      viewerOf(org),
      new RecordingEventSink(),
      latencyPoints(v1.id, later + 20 * DAY, 160, 6),
    );
    await evaluateMetricAlerts(serviceDeps(), new Date(later + 20 * DAY));
    expect(await opened()).toHaveLength(2);
  });

  it('refuses a bad clearedWithinHours', async () => {
    const org = await createTestOrg('alert-bad');
    const bad = await gql(org.tokens.VIEWER, Alerts, { source: 'RECORDED', cleared: -1 });
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'clearedWithinHours',
    });
  });

  it('is wired into the cron trigger after the other jobs, before the webhook sweep', () => {
    // The sweep runs last so the alert and threshold events written here go out in the same run.
    expect(SCHEDULED_JOBS.map((job) => job.name).slice(-3)).toEqual([
      'metric-alerts',
      'budget-thresholds',
      'webhook-sweep',
    ]);
  });
});

/** One successful tracked call of `costUsd` against the model. */
function trackCost(viewer: ReturnType<typeof viewerOf>, modelId: string, costUsd: number) {
  return trackInferences(serviceDeps(), viewer, new RecordingEventSink(), [
    {
      modelId,
      provider: 'openai',
      providerModel: 'x',
      latencyMs: 1,
      inputTokens: 1,
      outputTokens: 1,
      costUsd,
      status: 'SUCCESS',
    },
  ]);
}

describe('the budget threshold job', () => {
  it('announces, once, a threshold that spend reached without a tracking call announcing it', async () => {
    const org = await createTestOrg('budget-job');
    const model = await seedModel(org, 'budget-job-model');
    const admin = { ...viewerOf(org, 'ADMIN'), budgets: false };
    const budget = await setBudget(serviceDeps(), admin, {
      scope: 'MODEL',
      scopeId: model.id,
      period: 'MONTH',
      limitUsd: 10,
    });
    // A call authenticated before the budget existed (viewer.budgets false) records $6 unseen.
    await trackCost(viewerOf(org), model.id, 6);
    expect(await auditEvents(org.orgId, { action: 'budget.thresholdCrossed' })).toHaveLength(0);

    await budgetThresholdJob(serviceDeps() as never, new Date());
    await budgetThresholdJob(serviceDeps() as never, new Date());

    const events = await auditEvents(org.orgId, { action: 'budget.thresholdCrossed' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ subject_id: budget.id, actor_id: null });
    expect(events[0]?.after).toMatchObject({
      threshold: 0.5,
      spentUsd: 6,
      limitUsd: 10,
      scope: 'MODEL',
      scopeId: model.id,
    });
    // A later tracked call that crosses 0.8 announces only 0.8.
    const viewer = { ...viewerOf(org), budgets: true };
    await trackCost(viewer, model.id, 2.5);
    const all = await auditEvents(org.orgId, { action: 'budget.thresholdCrossed' });
    expect(all.map((e) => (e.after as any).threshold)).toEqual([0.5, 0.8]);
  });
});
