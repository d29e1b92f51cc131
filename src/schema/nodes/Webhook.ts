import { encodeGlobalID } from '../../global-id.ts';
import { deliveryPagesOf, listWebhooks } from '../../registry/webhook/webhook.service.ts';
import {
  DELIVERY_STATUSES,
  type DeliveryStatus,
  WEBHOOK_EVENT_TYPE_NAMES,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_TEST_EVENT,
  type Webhook,
  type WebhookDelivery,
  type WebhookEventType,
  type WebhookFilter,
} from '../../registry/webhook/webhook.ts';
import { builder } from '../builder.ts';
import { idOrderedConnections } from '../lib/lists.ts';

export const WebhookEventTypeEnum = builder.enumType('WebhookEventType', {
  description:
    'An event a webhook can subscribe to; the payload’s `type` is its dotted name (docs/webhooks.md).',
  values: Object.fromEntries(
    WEBHOOK_EVENT_TYPE_NAMES.map((type) => [
      type,
      { value: type, description: `Sent as "${WEBHOOK_EVENT_TYPES[type]}".` },
    ]),
  ) as Record<WebhookEventType, { value: WebhookEventType; description: string }>,
});

const DELIVERY_STATUS_DESCRIPTIONS: Record<DeliveryStatus, string> = {
  PENDING: 'Not attempted yet.',
  DELIVERED: 'The receiver answered 2xx.',
  FAILED: 'The last attempt failed; another is scheduled (nextAttemptAt).',
  DEAD: 'Out of attempts (or not sendable); webhookRedeliver sends it again.',
};

export const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  description: 'Where a webhook delivery stands.',
  values: Object.fromEntries(
    DELIVERY_STATUSES.map((status) => [
      status,
      { value: status, description: DELIVERY_STATUS_DESCRIPTIONS[status] },
    ]),
  ) as Record<DeliveryStatus, { value: DeliveryStatus; description: string }>,
});

const WebhookFilterRef = builder.objectRef<WebhookFilter>('WebhookFilter');
WebhookFilterRef.implement({
  description: 'Which events of the subscribed types a webhook gets; a null list does not filter.',
  fields: (t) => ({
    modelIds: t.idList({
      nullable: true,
      description: 'Global IDs of models: only events about one of them.',
      resolve: (filter) => filter.modelIds?.map((id) => encodeGlobalID('Model', id)) ?? null,
    }),
    aliases: t.stringList({
      nullable: true,
      description: 'Aliases: events about another alias are skipped; events about none pass.',
      resolve: (filter) => filter.aliases,
    }),
    environments: t.stringList({
      nullable: true,
      description:
        'Deployment environments: events about another environment are skipped; events about none pass.',
      resolve: (filter) => filter.environments,
    }),
  }),
});

export const WebhookDeliveryRef = builder.objectRef<WebhookDelivery>('WebhookDelivery');
WebhookDeliveryRef.implement({
  description: 'One event sent (or to be sent) to one webhook, with its latest attempt.',
  fields: (t) => ({
    id: t.globalID({
      description: 'The delivery’s global ID (for webhookRedeliver).',
      resolve: (delivery) => ({ type: 'WebhookDelivery', id: delivery.id }),
    }),
    eventId: t.exposeString('eventId', {
      description: 'The event’s id, sent as `webhook-id`: the same on every retry and redelivery.',
    }),
    eventType: t.string({
      description: `The event type (a WebhookEventType, or ${WEBHOOK_TEST_EVENT} for webhookTest).`,
      resolve: (delivery) => delivery.eventType,
    }),
    status: t.field({
      type: WebhookDeliveryStatusEnum,
      description: 'Where it stands.',
      resolve: (delivery) => delivery.status,
    }),
    httpStatus: t.int({
      nullable: true,
      description: 'HTTP status of the last attempt; null when none or no answer.',
      resolve: (delivery) => delivery.httpStatus,
    }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made so far.' }),
    latencyMs: t.int({
      nullable: true,
      description: 'How long the last attempt took, in milliseconds.',
      resolve: (delivery) => delivery.latencyMs,
    }),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the next attempt is due; null once delivered or dead.',
      resolve: (delivery) => delivery.nextAttemptAt,
    }),
    responseExcerpt: t.string({
      nullable: true,
      description: 'The first 256 characters of the last answer’s body, or why it failed.',
      resolve: (delivery) => delivery.responseExcerpt,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When the event happened (the delivery was written with it).',
      resolve: (delivery) => delivery.createdAt,
    }),
    deliveredAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When a 2xx answer came.',
      resolve: (delivery) => delivery.deliveredAt,
    }),
  }),
});

const WebhookDeliveryConnection = builder.connectionObject(
  {
    type: WebhookDeliveryRef,
    name: 'WebhookDeliveryConnection',
    description: 'A page of webhook deliveries, oldest event first (`last: n` for the newest).',
  },
  { name: 'WebhookDeliveryEdge', description: 'A WebhookDelivery in a page.' },
);

export const WebhookRef = builder.objectRef<Webhook>('Webhook');
WebhookRef.implement({
  description:
    'An HTTPS endpoint that receives the organization’s events, signed as Standard Webhooks says. The secret is shown once.',
  fields: (t) => ({
    id: t.globalID({
      description: 'The webhook’s global ID.',
      resolve: (webhook) => ({ type: 'Webhook', id: webhook.id }),
    }),
    url: t.exposeString('url', { description: 'Where deliveries are POSTed.' }),
    description: t.exposeString('description', { nullable: true, description: 'What it is for.' }),
    events: t.field({
      type: [WebhookEventTypeEnum],
      description: 'The event types it subscribes to.',
      resolve: (webhook) => webhook.events,
    }),
    filter: t.field({
      type: WebhookFilterRef,
      description: 'Which of those events it gets.',
      resolve: (webhook) => webhook.filter,
    }),
    enabled: t.exposeBoolean('enabled', { description: 'Whether events are sent to it.' }),
    previousSecretExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'After webhookRotateSecret: until when the previous secret still signs deliveries too.',
      resolve: (webhook) => webhook.previousSecretExpiresAt,
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was created.',
      resolve: (webhook) => webhook.createdAt,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When it was last changed.',
      resolve: (webhook) => webhook.updatedAt,
    }),
    deliveries: t.loadable({
      type: WebhookDeliveryConnection,
      description: 'Its deliveries, oldest event first, with status, attempts and next retry.',
      byPath: true,
      args: { ...t.arg.connectionArgs() },
      load: (ids: string[], context, args) =>
        idOrderedConnections(args, (page) =>
          deliveryPagesOf(context.deps, context.viewer, ids, page),
        ),
      resolve: (webhook) => webhook.id,
    }),
  }),
});

builder.queryField('webhooks', (t) =>
  t.field({
    type: [WebhookRef],
    description: 'Your organization’s webhooks, oldest first (at most 25). Admins only.',
    authScopes: { admin: true },
    resolve: (_root, _args, context) => listWebhooks(context.deps, context.viewer),
  }),
);
