import type { WebhookDeliveryTable, WebhookTable } from './webhook.table.ts';

type WebhookPublicRow = Omit<WebhookTable, 'secret_encrypted' | 'previous_secret_encrypted'>;

/**
 * The events a webhook can subscribe to. migrations/0014_webhooks.sql maps audit actions to them
 * (webhook_event_action); the wire name is what the payload's `type` says.
 */
export const WEBHOOK_EVENT_TYPES = {
  MODEL_CREATED: 'model.created',
  MODEL_UPDATED: 'model.updated',
  MODEL_ARCHIVED: 'model.archived',
  MODEL_RESTORED: 'model.restored',
  MODEL_DELETED: 'model.deleted',
  MODEL_VERSION_CREATED: 'modelVersion.created',
  MODEL_VERSION_UPDATED: 'modelVersion.updated',
  MODEL_VERSION_ARCHIVED: 'modelVersion.archived',
  MODEL_VERSION_RESTORED: 'modelVersion.restored',
  MODEL_VERSION_DELETED: 'modelVersion.deleted',
  MODEL_VERSION_PROMOTED: 'modelVersion.promoted',
  ALIAS_SET: 'alias.set',
  ALIAS_MOVED: 'alias.moved',
  ALIAS_DELETED: 'alias.deleted',
  APPROVAL_REQUESTED: 'approval.requested',
  APPROVAL_REVIEWED: 'approval.reviewed',
  COMPLIANCE_CHECK_FINISHED: 'complianceCheck.finished',
  LINEAGE_EDGE_ADDED: 'lineageEdge.added',
  LINEAGE_EDGE_REMOVED: 'lineageEdge.removed',
  METRIC_DEGRADATION_DETECTED: 'metricDegradation.detected',
  METRIC_DEGRADATION_CLEARED: 'metricDegradation.cleared',
  BUDGET_THRESHOLD_CROSSED: 'budget.thresholdCrossed',
  AUTO_PROMOTION_DECIDED: 'autoPromotion.decided',
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_TYPES;
export const WEBHOOK_EVENT_TYPE_NAMES = Object.keys(WEBHOOK_EVENT_TYPES) as WebhookEventType[];

/** The event webhookTest sends; not subscribable, it goes to the webhook tested. */
export const WEBHOOK_TEST_EVENT = 'WEBHOOK_TEST';
export const WEBHOOK_TEST_WIRE_TYPE = 'webhook.test';

/** The payload's `type` for a stored event type. */
export function wireTypeOf(eventType: string): string {
  if (eventType === WEBHOOK_TEST_EVENT) return WEBHOOK_TEST_WIRE_TYPE;
  return WEBHOOK_EVENT_TYPES[eventType as WebhookEventType] ?? eventType;
}

export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED', 'DEAD'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookFilter {
  /** Model row ids. */
  modelIds: string[] | null;
  aliases: string[] | null;
  environments: string[] | null;
}

export interface Webhook {
  kind: 'Webhook';
  id: string;
  orgId: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  filter: WebhookFilter;
  enabled: boolean;
  /** Until when the secret before the last rotation still signs deliveries; null when none. */
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookDelivery {
  kind: 'WebhookDelivery';
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  httpStatus: number | null;
  latencyMs: number | null;
  responseExcerpt: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

function jsonList(value: string | null): string[] | null {
  return value === null ? null : (JSON.parse(value) as string[]);
}

/** `now` decides whether a rotation's grace period is still open. */
export function toWebhook(row: WebhookPublicRow, now: string): Webhook {
  const graceOpen = row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now;
  return {
    kind: 'Webhook',
    id: row.id,
    orgId: row.org_id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as WebhookEventType[],
    filter: {
      modelIds: jsonList(row.filter_model_ids),
      aliases: jsonList(row.filter_aliases),
      environments: jsonList(row.filter_environments),
    },
    enabled: row.enabled === 1,
    previousSecretExpiresAt: graceOpen ? new Date(row.previous_secret_expires_at as string) : null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export function toWebhookDelivery(row: WebhookDeliveryTable): WebhookDelivery {
  return {
    kind: 'WebhookDelivery',
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    httpStatus: row.http_status,
    latencyMs: row.latency_ms,
    responseExcerpt: row.response_excerpt,
    nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at),
    createdAt: new Date(row.created_at),
    deliveredAt: row.delivered_at === null ? null : new Date(row.delivered_at),
  };
}
