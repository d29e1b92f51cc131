// Degradation alerts pushed, not pulled (issue 19): the scheduled job runs the metricAlerts rule
// (Welch's t-test, metrics.service.ts findMetricAlerts) for every organization, stores each
// alert's state, and writes `alert.opened` when one opens and `alert.cleared` when it clears, in
// the same D1 batch as the state change. An open alert found again is not announced again.
import type { Viewer } from '../../auth/viewer.ts';
import { type BatchQuery, runBatch } from '../../db/batch.ts';
import { type AuditEntry, insertAuditEvents } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import { newId } from '../ids.ts';
import {
  clearAlert,
  findOpenAlerts,
  findOrganizationsToEvaluate,
  findRecordedAlerts,
  insertAlert,
  refreshAlert,
} from './metric-alert.repository.ts';
import { type AlertOptions, findMetricAlerts } from './metrics.service.ts';
import type { MetricAlertTable } from './metrics.table.ts';
import type { MetricAlert } from './metrics.ts';

/** The rule the job applies: metricAlerts' defaults. */
export const ALERT_RULE = { recentHours: 24, baselineHours: 168, alpha: 0.01, minSamples: 30 };

export type AlertState = 'OPEN' | 'CLEARED';

/** An alert as the job stored it. */
export interface RecordedAlert extends MetricAlert {
  alertId: string;
  state: AlertState;
  openedAt: Date;
  clearedAt: Date | null;
}

type StoredStatistics = Omit<MetricAlert, 'baseline' | 'recent'> & {
  baseline: Omit<MetricAlert['baseline'], 'from' | 'to'> & { from: string; to: string };
  recent: Omit<MetricAlert['recent'], 'from' | 'to'> & { from: string; to: string };
};

function statisticsOf(alert: MetricAlert): StoredStatistics {
  return {
    ...alert,
    // JSON has no Infinity: a t of ±Infinity (both windows constant) is stored as null.
    tStatistic: Number.isFinite(alert.tStatistic) ? alert.tStatistic : (null as never),
    baseline: {
      ...alert.baseline,
      from: alert.baseline.from.toISOString(),
      to: alert.baseline.to.toISOString(),
    },
    recent: {
      ...alert.recent,
      from: alert.recent.from.toISOString(),
      to: alert.recent.to.toISOString(),
    },
  };
}

export function toRecordedAlert(row: MetricAlertTable): RecordedAlert {
  const stored = JSON.parse(row.statistics) as StoredStatistics;
  return {
    ...stored,
    tStatistic: stored.tStatistic ?? Number.POSITIVE_INFINITY,
    baseline: {
      ...stored.baseline,
      from: new Date(stored.baseline.from),
      to: new Date(stored.baseline.to),
    },
    recent: {
      ...stored.recent,
      from: new Date(stored.recent.from),
      to: new Date(stored.recent.to),
    },
    alertId: row.id,
    state: row.status as AlertState,
    openedAt: new Date(row.opened_at),
    clearedAt: row.cleared_at === null ? null : new Date(row.cleared_at),
  };
}

const keyOf = (versionId: string, metric: string) => `${versionId}\u0000${metric}`;

function alertEvent(
  orgId: string,
  action: 'alert.opened' | 'alert.cleared',
  alertId: string,
  statistics: StoredStatistics,
  at: string,
): AuditEntry {
  return {
    orgId,
    actorId: null,
    action,
    subjectId: statistics.versionId,
    subjectKind: 'ModelVersion',
    after: {
      alertId,
      metric: statistics.metric,
      modelId: statistics.modelId,
      versionId: statistics.versionId,
      direction: statistics.direction,
      baseline: statistics.baseline,
      recent: statistics.recent,
      difference: statistics.difference,
      relativeChange: statistics.relativeChange,
      effectSize: statistics.effectSize,
      tStatistic: statistics.tStatistic,
      degreesOfFreedom: statistics.degreesOfFreedom,
      pValue: statistics.pValue,
      ...(action === 'alert.opened' ? { openedAt: at } : { clearedAt: at }),
    },
  };
}

export interface AlertRunSummary {
  organizations: number;
  opened: number;
  cleared: number;
  failed: number;
}

/**
 * The scheduled job: per organization, the alerts the rule finds at `at` against the stored open
 * ones. New ones are opened (alert.opened), open ones found again are refreshed silently, open
 * ones no longer found are cleared (alert.cleared, with the statistics they were last found with).
 * One D1 batch per organization; a failed organization is counted and the others go on. Two runs
 * at once cannot open the same alert twice (a unique index on the open alert per version and
 * metric fails the later batch whole, events included).
 */
export async function evaluateMetricAlerts(
  deps: Pick<Deps, 'db' | 'd1'>,
  at: Date,
): Promise<AlertRunSummary> {
  const recentFrom = at.getTime() - ALERT_RULE.recentHours * 3_600_000;
  const baselineFrom = recentFrom - ALERT_RULE.baselineHours * 3_600_000;
  const orgIds = await findOrganizationsToEvaluate(
    deps.db,
    new Date(baselineFrom).toISOString(),
    at.toISOString(),
  );
  const summary: AlertRunSummary = {
    organizations: orgIds.length,
    opened: 0,
    cleared: 0,
    failed: 0,
  };
  for (const orgId of orgIds) {
    try {
      const result = await evaluateOrganization(deps, orgId, at);
      summary.opened += result.opened;
      summary.cleared += result.cleared;
    } catch (error) {
      summary.failed += 1;
      console.error(`alerts: organization ${orgId} failed`, error);
    }
  }
  return summary;
}

async function evaluateOrganization(
  deps: Pick<Deps, 'db' | 'd1'>,
  orgId: string,
  at: Date,
): Promise<{ opened: number; cleared: number }> {
  // The rule reads only the organization; no user acts. The cron run's webhook sweep
  // (src/scheduled.ts) sends what the alert events announce.
  const system: Viewer = {
    userId: '',
    orgId,
    role: 'VIEWER',
    tokenId: '',
    webhooks: false,
    budgets: false,
  };
  const options: AlertOptions = { modelId: null, at, ...ALERT_RULE };
  const [found, open] = await Promise.all([
    findMetricAlerts(deps, system, options),
    findOpenAlerts(deps.db, orgId),
  ]);
  const now = at.toISOString();
  const openByKey = new Map(open.map((row) => [keyOf(row.version_id, row.metric), row]));
  const foundKeys = new Set<string>();
  const writes: BatchQuery[] = [];
  const events: AuditEntry[] = [];
  for (const alert of found) {
    const key = keyOf(alert.versionId, alert.metric);
    foundKeys.add(key);
    const statistics = statisticsOf(alert);
    const stored = openByKey.get(key);
    if (stored) {
      writes.push(refreshAlert(deps.db, stored.id, JSON.stringify(statistics), now));
      continue;
    }
    const id = newId();
    writes.push(
      insertAlert(deps.db, {
        id,
        org_id: orgId,
        model_id: alert.modelId,
        version_id: alert.versionId,
        metric: alert.metric,
        status: 'OPEN',
        opened_at: now,
        cleared_at: null,
        statistics: JSON.stringify(statistics),
        evaluated_at: now,
      }),
    );
    events.push(alertEvent(orgId, 'alert.opened', id, statistics, now));
  }
  let cleared = 0;
  for (const row of open) {
    if (foundKeys.has(keyOf(row.version_id, row.metric))) continue;
    writes.push(clearAlert(deps.db, row.id, now));
    events.push(
      alertEvent(
        orgId,
        'alert.cleared',
        row.id,
        JSON.parse(row.statistics) as StoredStatistics,
        now,
      ),
    );
    cleared += 1;
  }
  if (events.length) writes.push(insertAuditEvents(deps.db, events));
  await runBatch(deps.d1, writes);
  return { opened: events.length - cleared, cleared };
}

/** The job's alerts of the organization: open ones, and those cleared in the last `clearedWithinHours`. */
export async function recordedAlertsOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  options: { at: Date; clearedWithinHours: number; modelId: string | null },
): Promise<RecordedAlert[]> {
  const hours = options.clearedWithinHours;
  if (!Number.isInteger(hours) || hours < 0 || hours > 8760) {
    throw new ValidationError('Must be between 0 and 8760 hours', ['clearedWithinHours']);
  }
  const since = new Date(options.at.getTime() - options.clearedWithinHours * 3_600_000);
  const rows = await findRecordedAlerts(
    deps.db,
    viewer.orgId,
    since.toISOString(),
    options.modelId,
  );
  return rows.map(toRecordedAlert);
}

/** The organization's open alerts by version and metric: when the live ones were first found. */
export async function openAlertsOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
): Promise<Map<string, RecordedAlert>> {
  const rows = await findOpenAlerts(deps.db, viewer.orgId);
  return new Map(rows.map((row) => [keyOf(row.version_id, row.metric), toRecordedAlert(row)]));
}

export function alertKey(alert: Pick<MetricAlert, 'versionId' | 'metric'>): string {
  return keyOf(alert.versionId, alert.metric);
}
