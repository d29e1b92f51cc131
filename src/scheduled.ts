import { expireArtifactUploadsJob } from './registry/artifact/artifact.service.ts';
import { deleteExpiredIdempotencyKeys } from './registry/idempotency/idempotency.service.ts';
import { embeddingRefreshJob } from './registry/search/search.service.ts';
import { autoPromotionJob } from './registry/usage/promotion.service.ts';
import { repricingJob } from './registry/usage/usage.service.ts';

/**
 * Work the Worker does on its cron trigger (wrangler.jsonc `triggers.crons`), outside any request.
 * Each job is a plain function of the environment and the trigger time; a failing job is logged
 * and does not stop the others, so one broken job never starves the rest.
 */
export interface ScheduledJob {
  /** Shown in logs. */
  name: string;
  run(env: Env, scheduledTime: Date): Promise<void>;
}

/** Every job, in the order they run on each trigger. */
export const SCHEDULED_JOBS: ScheduledJob[] = [
  { name: 'idempotency-key-expiry', run: deleteExpiredIdempotencyKeys },
  { name: 'artifact-upload-expiry', run: expireArtifactUploadsJob },
  { name: 'usage-auto-promotion', run: autoPromotionJob },
  { name: 'usage-late-price-repricing', run: repricingJob },
  { name: 'search-embedding-refresh', run: embeddingRefreshJob },
];

export async function runScheduledJobs(
  env: Env,
  scheduledTime: Date,
  jobs: readonly ScheduledJob[] = SCHEDULED_JOBS,
): Promise<{ name: string; ok: boolean; error?: string }[]> {
  const outcomes: { name: string; ok: boolean; error?: string }[] = [];
  for (const job of jobs) {
    try {
      await job.run(env, scheduledTime);
      outcomes.push({ name: job.name, ok: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`scheduled job ${job.name} failed: ${message}`);
      outcomes.push({ name: job.name, ok: false, error: message });
    }
  }
  return outcomes;
}
