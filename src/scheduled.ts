import { createDeps, type WorkerEnv } from './context.ts';
import { expireArtifactUploads } from './registry/artifact/artifact-expiry.service.ts';
import { announceReachedThresholds } from './registry/budget/budget.service.ts';
import type { Deps } from './registry/deps.ts';
import { sweepExpiredKeys } from './registry/idempotency/idempotency.service.ts';
import { purgeExpiredWalks } from './registry/lineage/walk-segments.service.ts';
import { evaluateMetricAlerts } from './registry/metrics/metric-alert.service.ts';
import { refreshStaleOrganizations } from './registry/search/search.service.ts';
import { runDueAutoPromotions } from './registry/usage/auto-promotion.service.ts';
import { runPendingRepricing } from './registry/usage/usage.service.ts';
import { sweepLeftBehindDeliveries } from './registry/webhook/webhook-dispatch.service.ts';

/**
 * Work the Worker does on its cron trigger (wrangler.jsonc `triggers.crons`), outside any request.
 * Each job is a plain function of the adapters (built once per trigger) and the trigger time; a
 * failing job is logged and does not stop the others, so one broken job never starves the rest.
 */
export interface ScheduledJob {
  /** Shown in logs. */
  name: string;
  run(deps: Deps, scheduledTime: Date): Promise<void>;
}

/** Keys expire at the trigger's time. */
export async function deleteExpiredIdempotencyKeys(deps: Deps, scheduledTime: Date): Promise<void> {
  const deleted = await sweepExpiredKeys(deps.db, scheduledTime);
  if (deleted > 0) console.log(`idempotency: deleted ${deleted} expired key(s)`);
}

/** Expires abandoned uploads in every organization. */
export async function expireArtifactUploadsJob(deps: Deps, scheduledTime: Date): Promise<void> {
  const run = await expireArtifactUploads(deps, scheduledTime);
  if (run.expired.length > 0) {
    console.log(
      `expired ${run.expired.length} artifact upload(s); ${run.abortFailures.length} R2 abort(s) failed`,
    );
  }
}

/** Stored lineage walks whose cursors expired (an organization that stops paging leaves them). */
export async function lineageWalkExpiryJob(deps: Deps, scheduledTime: Date): Promise<void> {
  const deleted = await purgeExpiredWalks(deps, scheduledTime);
  if (deleted > 0) console.log(`lineage: deleted ${deleted} expired stored walk(s)`);
}

export async function autoPromotionJob(deps: Deps, scheduledTime: Date): Promise<void> {
  const results = await runDueAutoPromotions(deps, scheduledTime);
  const failed = results.filter((r) => r.outcome === 'FAILED').length;
  if (failed) throw new Error(`${failed} of ${results.length} rule(s) failed`);
}

export async function repricingJob(deps: Deps): Promise<void> {
  await runPendingRepricing(deps);
}

export async function embeddingRefreshJob(deps: Deps): Promise<void> {
  await refreshStaleOrganizations(deps);
}

/** Degradation alerts: opened and cleared with an audit event each (alert.opened, alert.cleared). */
export async function metricAlertJob(deps: Deps, scheduledTime: Date): Promise<void> {
  const run = await evaluateMetricAlerts(deps, scheduledTime);
  if (run.opened || run.cleared) {
    console.log(`alerts: ${run.opened} opened, ${run.cleared} cleared`);
  }
  if (run.failed) throw new Error(`${run.failed} of ${run.organizations} organization(s) failed`);
}

/** Budget thresholds reached but not announced by a tracking call (see announceReachedThresholds). */
export async function budgetThresholdJob(deps: Deps, scheduledTime: Date): Promise<void> {
  await announceReachedThresholds(deps, scheduledTime);
}

/** Webhook deliveries a dispatch left behind, and those the jobs before this one wrote. */
export async function webhookSweepJob(deps: Deps, scheduledTime: Date): Promise<void> {
  const sent = await sweepLeftBehindDeliveries(deps, scheduledTime);
  if (sent > 0) console.log(`webhooks: queued ${sent} delivery(ies) left behind`);
}

/** Every job, in the order they run on each trigger. */
export const SCHEDULED_JOBS: ScheduledJob[] = [
  { name: 'idempotency-key-expiry', run: deleteExpiredIdempotencyKeys },
  { name: 'artifact-upload-expiry', run: expireArtifactUploadsJob },
  { name: 'lineage-walk-expiry', run: lineageWalkExpiryJob },
  { name: 'usage-auto-promotion', run: autoPromotionJob },
  { name: 'usage-late-price-repricing', run: repricingJob },
  { name: 'search-embedding-refresh', run: embeddingRefreshJob },
  { name: 'metric-alerts', run: metricAlertJob },
  { name: 'budget-thresholds', run: budgetThresholdJob },
  // Last: the events the jobs above wrote (auto-promotion decisions, alerts) go out in this run.
  { name: 'webhook-sweep', run: webhookSweepJob },
];

/**
 * The adapters of one trigger, on the plain D1 binding (no request to count statements for).
 * Work handed to waitUntil is awaited before the trigger's jobs count as done.
 */
export function scheduledDeps(env: WorkerEnv, pending: Promise<unknown>[] = []): Deps {
  return createDeps(env, env.DB, (promise) => pending.push(promise));
}

export async function runScheduledJobs(
  env: WorkerEnv,
  scheduledTime: Date,
  jobs: readonly ScheduledJob[] = SCHEDULED_JOBS,
): Promise<{ name: string; ok: boolean; error?: string }[]> {
  const pending: Promise<unknown>[] = [];
  const deps = scheduledDeps(env, pending);
  const outcomes: { name: string; ok: boolean; error?: string }[] = [];
  for (const job of jobs) {
    try {
      await job.run(deps, scheduledTime);
      outcomes.push({ name: job.name, ok: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`scheduled job ${job.name} failed: ${message}`);
      outcomes.push({ name: job.name, ok: false, error: message });
    }
  }
  await Promise.allSettled(pending);
  return outcomes;
}
