// One delivery attempt, as the queue consumer makes it: the event read back from the audit trail,
// signed as Standard Webhooks says (webhook-id = the event id, stable across retries;
// webhook-timestamp; webhook-signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>", one per
// valid secret), POSTed with a 10 s timeout and redirects not followed. A 2xx is DELIVERED;
// anything else is FAILED and retried with exponential backoff and jitter, and DEAD after
// MAX_ATTEMPTS. The delivery row is updated after every attempt.
import type { Db } from '../../db/db.ts';
import { encodeGlobalID } from '../../global-id.ts';
import { ValidationError } from '../errors.ts';
import {
  type DeliveryForAttempt,
  findDeliveryForAttempt,
  recordAttempt,
} from './webhook.repository.ts';
import { type WebhookEventType, wireTypeOf } from './webhook.ts';
import type { WebhookMessage } from './webhook-dispatch.service.ts';
import { decryptSecret, signatureHeader, type WebhookKeyConfig } from './webhook-secret.ts';
import { checkWebhookUrl } from './webhook-url.ts';

export const MAX_ATTEMPTS = 8;
export const REQUEST_TIMEOUT_MS = 10_000;
export const RESPONSE_EXCERPT_CHARS = 256;
/** Backoff: BASE * 2^(attempt-1), capped, then a random 50-100% of it (jitter). */
const BACKOFF_BASE_SECONDS = 10;
const BACKOFF_CAP_SECONDS = 60 * 60;

export interface DeliveryDeps {
  db: Db;
  config: { webhooks: WebhookKeyConfig };
  /** The outbound fetch (tests pass their own). */
  fetch?: typeof fetch;
  random?: () => number;
}

export interface AttemptOutcome {
  /** Retry after this many seconds; null when done (delivered, dead, or nothing to do). */
  retryInSeconds: number | null;
  status: 'DELIVERED' | 'FAILED' | 'DEAD' | 'SKIPPED';
}

/** The delay before attempt `attempts + 1`, given `attempts` failures so far. */
export function backoffSeconds(attempts: number, random: () => number = Math.random): number {
  const full = Math.min(BACKOFF_BASE_SECONDS * 2 ** Math.max(attempts - 1, 0), BACKOFF_CAP_SECONDS);
  return Math.max(1, Math.round(full * (0.5 + random() / 2)));
}

const NODE_ID_KEYS: Record<string, string> = {
  modelId: 'Model',
  versionId: 'ModelVersion',
  modelVersionId: 'ModelVersion',
  winnerVersionId: 'ModelVersion',
  productionVersionId: 'ModelVersion',
  approvalId: 'Approval',
  budgetId: 'Budget',
};

function parsed(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  const value = JSON.parse(text) as unknown;
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function versionGid(value: unknown): string | null {
  return typeof value === 'string' ? encodeGlobalID('ModelVersion', value) : null;
}

/** The JSON body of an event: { type, timestamp, data }. */
export function eventPayload(row: DeliveryForAttempt): Record<string, unknown> {
  const before = parsed(row.before);
  const after = parsed(row.after);
  const nodeIds = new Set<string>([encodeGlobalID(row.subject_kind, row.subject_id)]);
  for (const side of [before, after]) {
    if (!side) continue;
    for (const [key, kind] of Object.entries(NODE_ID_KEYS)) {
      if (typeof side[key] === 'string') nodeIds.add(encodeGlobalID(kind, side[key] as string));
    }
    if (typeof side.toId === 'string' && typeof side.toKind === 'string') {
      nodeIds.add(encodeGlobalID(side.toKind, side.toId));
    }
  }
  const alias = (after?.alias ?? before?.alias ?? null) as string | null;
  const data: Record<string, unknown> = {
    eventId: row.event_id,
    eventType: row.event_type as WebhookEventType,
    action: row.action,
    occurredAt: row.occurred_at,
    organization: encodeGlobalID('Organization', row.org_id),
    actor: row.actor_id === null ? null : encodeGlobalID('User', row.actor_id),
    subject: { id: encodeGlobalID(row.subject_kind, row.subject_id), kind: row.subject_kind },
    nodeIds: [...nodeIds],
    before,
    after,
    reason: row.reason,
  };
  if (alias !== null) {
    data.alias = alias;
    data.previousVersion = versionGid(before?.versionId);
    data.version = versionGid(after?.versionId);
  }
  return { type: wireTypeOf(row.event_type), timestamp: row.occurred_at, data };
}

/** At most RESPONSE_EXCERPT_CHARS of the response body; the rest is never read. */
async function excerptOf(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < RESPONSE_EXCERPT_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.length === 0 ? null : text.slice(0, RESPONSE_EXCERPT_CHARS);
}

async function secretsOf(deps: DeliveryDeps, row: DeliveryForAttempt, now: Date) {
  const secrets = [await decryptSecret(deps.config.webhooks, row.secret_encrypted)];
  if (
    row.previous_secret_encrypted !== null &&
    row.previous_secret_expires_at !== null &&
    row.previous_secret_expires_at > now.toISOString()
  ) {
    secrets.push(await decryptSecret(deps.config.webhooks, row.previous_secret_encrypted));
  }
  return secrets;
}

/** Makes one attempt of a delivery and records it. */
export async function attemptDelivery(
  deps: DeliveryDeps,
  deliveryId: string,
): Promise<AttemptOutcome> {
  const row = await findDeliveryForAttempt(deps.db, deliveryId);
  // Deleted with its webhook, or already settled (a duplicate message): nothing to send.
  if (!row || (row.status !== 'PENDING' && row.status !== 'FAILED')) {
    return { retryInSeconds: null, status: 'SKIPPED' };
  }
  const attempts = row.attempts + 1;
  const settle = async (
    status: 'DELIVERED' | 'FAILED' | 'DEAD',
    result: { httpStatus: number | null; latencyMs: number | null; excerpt: string | null },
  ): Promise<AttemptOutcome> => {
    const final = status === 'FAILED' && attempts >= MAX_ATTEMPTS ? 'DEAD' : status;
    const retryInSeconds = final === 'FAILED' ? backoffSeconds(attempts, deps.random) : null;
    const now = Date.now();
    await recordAttempt(deps.db, row.id, {
      status: final,
      attempts,
      http_status: result.httpStatus,
      latency_ms: result.latencyMs,
      response_excerpt: result.excerpt?.slice(0, RESPONSE_EXCERPT_CHARS) ?? null,
      next_attempt_at:
        retryInSeconds === null ? null : new Date(now + retryInSeconds * 1000).toISOString(),
      delivered_at: final === 'DELIVERED' ? new Date(now).toISOString() : null,
    });
    return { retryInSeconds, status: final };
  };

  if (row.enabled !== 1) {
    return settle('DEAD', {
      httpStatus: null,
      latencyMs: null,
      excerpt: 'Not sent: the webhook is disabled',
    });
  }
  try {
    checkWebhookUrl(row.url, deps.config.webhooks);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return settle('DEAD', {
      httpStatus: null,
      latencyMs: null,
      excerpt: `Not sent: URL ${error.message.toLowerCase()}`,
    });
  }
  const now = new Date();
  const body = JSON.stringify(eventPayload(row));
  const timestamp = Math.floor(now.getTime() / 1000);
  const signature = await signatureHeader(
    await secretsOf(deps, row, now),
    row.event_id,
    timestamp,
    body,
  );
  const started = Date.now();
  try {
    const response = await (deps.fetch ?? fetch)(row.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'model-registry-webhooks/1',
        'webhook-id': row.event_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const excerpt = await excerptOf(response).catch(() => null);
    const latencyMs = Date.now() - started;
    const ok = response.status >= 200 && response.status < 300;
    return settle(ok ? 'DELIVERED' : 'FAILED', { httpStatus: response.status, latencyMs, excerpt });
  } catch (error) {
    const latencyMs = Date.now() - started;
    const timedOut =
      error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    const excerpt = timedOut
      ? `No answer within ${REQUEST_TIMEOUT_MS / 1000} s`
      : `Request failed: ${error instanceof Error ? error.message : String(error)}`;
    return settle('FAILED', { httpStatus: null, latencyMs, excerpt });
  }
}

/**
 * The queue consumer: one attempt per message, then ack (done) or retry with the backoff delay.
 * A message whose attempt throws (D1 unavailable) is retried by the queue with its own delay.
 */
export async function consumeWebhookBatch(
  deps: DeliveryDeps,
  batch: MessageBatch<WebhookMessage>,
): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const deliveryId = (message.body as Partial<WebhookMessage> | null)?.deliveryId;
      if (typeof deliveryId !== 'string') {
        message.ack();
        return;
      }
      try {
        const outcome = await attemptDelivery(deps, deliveryId);
        if (outcome.retryInSeconds === null) message.ack();
        else message.retry({ delaySeconds: outcome.retryInSeconds });
      } catch (error) {
        console.error(`webhook delivery ${deliveryId} failed to run: ${String(error)}`);
        message.retry({ delaySeconds: BACKOFF_BASE_SECONDS });
      }
    }),
  );
}
