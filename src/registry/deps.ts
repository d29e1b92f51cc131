import type { Db } from '../db/db.ts';
import type { Embedder } from '../ports/embedder.ts';
import type { EventSink } from '../ports/event-sink.ts';
import type { VectorIndex } from '../ports/vector-index.ts';
import type { UploadLimits } from './artifact/artifact.ts';
import type { BudgetCounters } from './budget/budget.ts';
import type { UsageSource } from './usage/usage-source.ts';
import type { WebhookMessage } from './webhook/webhook-dispatch.service.ts';
import type { WebhookKeyConfig } from './webhook/webhook-secret.ts';

/** The Worker's vars as the services read them, parsed once (src/config.ts registryConfig). */
export interface Config {
  /** LINEAGE_NODE_BUDGET: nodes one lineage walk may visit. */
  lineageNodeBudget: number;
  /** LINEAGE_EDGE_ROW_BUDGET: edge rows one lineage request may hold; null for the defaults. */
  lineageEdgeRowBudget: number | null;
  /** USAGE_ROLLUP: whether usage reads come from the rollups or the raw requests. */
  usageSource: UsageSource;
  /** ARTIFACT_MAX_REQUEST_BYTES and ARTIFACT_UPLOAD_TTL_HOURS. */
  uploadLimits: UploadLimits;
  /** The ARTIFACT_SSEC_KEYS secret, if set. */
  encryptionKeys?: string;
  /** WEBHOOK_SECRET_KEY and whether ENVIRONMENT is production (which URLs a webhook may have). */
  webhooks: WebhookKeyConfig;
}

/**
 * Every adapter a service may need, built once per request (src/context.ts) or per cron trigger
 * (src/scheduled.ts). A service takes the part it uses, e.g. `Pick<Deps, 'db' | 'd1'>`.
 */
export interface Deps {
  db: Db;
  /** The D1 binding (counting statements in a request), for batches. */
  d1: D1Database;
  /** The artifact store (R2). */
  bucket: R2Bucket;
  /** Analytics Engine. */
  events: EventSink;
  embedder: Embedder;
  vectorIndex: VectorIndex;
  config: Config;
  /** The webhook delivery queue (Cloudflare Queues); null where it is not bound. */
  webhookQueue: Queue<WebhookMessage> | null;
  /** The budgets' spend counters (a Durable Object per budget). */
  budgetCounters: BudgetCounters;
  waitUntil: (promise: Promise<unknown>) => void;
}
