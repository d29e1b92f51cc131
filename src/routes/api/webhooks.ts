// REST twins of the webhook API (GraphQL webhooks, webhookCreate, webhookUpdate, webhookDelete,
// webhookRotateSecret, webhookTest, webhookRedeliver; docs/webhooks.md), calling the same service.
// Admins only. The route schemas use `zod` like every other route table here (RouteDef takes its
// types); the service does the validation that matters.
import * as z from 'zod/mini';
import { decodeIdOf, encodeGlobalID } from '../../global-id.ts';
import { ValidationError } from '../../registry/errors.ts';
import {
  createWebhook,
  deleteWebhook,
  deliveryPageOf,
  listWebhooks,
  redeliverWebhookDelivery,
  rotateWebhookSecret,
  testWebhook,
  updateWebhook,
  type WebhookFilterInput,
} from '../../registry/webhook/webhook.service.ts';
import {
  WEBHOOK_EVENT_TYPE_NAMES,
  type Webhook,
  type WebhookDelivery,
} from '../../registry/webhook/webhook.ts';
import { afterId, limit, pageOf } from './params.ts';
import { globalIdOf } from './present.ts';
import { defineRoute } from './route.ts';

const EventTypes = z
  .array(z.string())
  .check(z.describe(`Event types: ${WEBHOOK_EVENT_TYPE_NAMES.join(', ')}.`));

const FilterBody = z
  .strictObject({
    model_ids: z.nullish(z.array(z.string())).check(z.describe('Global IDs of models.')),
    aliases: z.nullish(z.array(z.string())).check(z.describe('Aliases (events about none pass).')),
    environments: z
      .nullish(z.array(z.string()))
      .check(z.describe('Deployment environments (events about none pass).')),
  })
  .check(
    z.describe('Which events of the subscribed types to send; leave a list out to not filter.'),
  );

const WebhookJson = z.object({
  id: globalIdOf('Webhook'),
  url: z.string(),
  description: z.nullable(z.string()),
  events: z.array(z.string()),
  filter: z.object({
    model_ids: z.nullable(z.array(z.string())),
    aliases: z.nullable(z.array(z.string())),
    environments: z.nullable(z.array(z.string())),
  }),
  enabled: z.boolean(),
  previous_secret_expires_at: z.nullable(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});

const DeliveryJson = z.object({
  id: globalIdOf('WebhookDelivery'),
  event_id: z.string().check(z.describe('Sent as webhook-id; the same on every retry.')),
  event_type: z.string(),
  status: z.enum(['PENDING', 'DELIVERED', 'FAILED', 'DEAD']),
  http_status: z.nullable(z.int()),
  attempts: z.int(),
  latency_ms: z.nullable(z.int()),
  next_attempt_at: z.nullable(z.string()),
  response_excerpt: z.nullable(z.string()),
  created_at: z.string(),
  delivered_at: z.nullable(z.string()),
});

function webhookJson(webhook: Webhook): z.infer<typeof WebhookJson> {
  return {
    id: encodeGlobalID('Webhook', webhook.id),
    url: webhook.url,
    description: webhook.description,
    events: webhook.events,
    filter: {
      model_ids: webhook.filter.modelIds?.map((id) => encodeGlobalID('Model', id)) ?? null,
      aliases: webhook.filter.aliases,
      environments: webhook.filter.environments,
    },
    enabled: webhook.enabled,
    previous_secret_expires_at: webhook.previousSecretExpiresAt?.toISOString() ?? null,
    created_at: webhook.createdAt.toISOString(),
    updated_at: webhook.updatedAt.toISOString(),
  };
}

function deliveryJson(delivery: WebhookDelivery): z.infer<typeof DeliveryJson> {
  return {
    id: encodeGlobalID('WebhookDelivery', delivery.id),
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    status: delivery.status,
    http_status: delivery.httpStatus,
    attempts: delivery.attempts,
    latency_ms: delivery.latencyMs,
    next_attempt_at: delivery.nextAttemptAt?.toISOString() ?? null,
    response_excerpt: delivery.responseExcerpt,
    created_at: delivery.createdAt.toISOString(),
    delivered_at: delivery.deliveredAt?.toISOString() ?? null,
  };
}

function filterOf(
  filter: z.infer<typeof FilterBody> | null | undefined,
): WebhookFilterInput | null {
  if (!filter) return null;
  return {
    modelIds:
      filter.model_ids?.map(
        (id, index) => decodeIdOf(id, ['Model'], ['body', 'filter', 'model_ids', String(index)]).id,
      ) ?? null,
    aliases: filter.aliases ?? null,
    environments: filter.environments ?? null,
  };
}

/**
 * A creation or rotation answers with a secret, which an idempotency key would have to store to
 * replay: refused instead, so that the secret exists nowhere but in that one answer.
 */
function refuseKey(claim: unknown) {
  if (claim) {
    throw new ValidationError(
      'Not accepted here: the answer carries a signing secret, which is never stored to replay',
      ['Idempotency-Key'],
    );
  }
}

const KEY_PATH = { 'Idempotency-Key': ['headers', 'Idempotency-Key'] } as const;
const oneWebhook = (webhook: Webhook) => ({ webhook: webhookJson(webhook) });
const oneDelivery = (delivery: WebhookDelivery) => ({ delivery: deliveryJson(delivery) });

export const webhooksList = defineRoute({
  method: 'GET',
  path: '/api/webhooks',
  operationId: 'webhooks',
  summary: 'Your organization’s webhooks (never their secrets). Admins only.',
  graphql: 'query webhooks',
  tag: 'webhooks',
  scope: 'admin',
  response: z.object({ webhooks: z.array(WebhookJson) }),
  handler: async ({ context }) => ({
    webhooks: (await listWebhooks(context.deps, context.viewer)).map(webhookJson),
  }),
});

export const webhookCreateRoute = defineRoute({
  method: 'POST',
  path: '/api/webhooks',
  operationId: 'webhookCreate',
  summary:
    'Create a webhook; the answer holds its signing secret (whsec_...) once. Admins; audited. No Idempotency-Key.',
  graphql: 'mutation webhookCreate',
  tag: 'webhooks',
  scope: 'admin',
  status: 201,
  body: z.strictObject({
    url: z.string().check(z.describe('https (http to loopback only outside production).')),
    events: EventTypes,
    filter: z.nullish(FilterBody),
    description: z.nullish(z.string()),
  }),
  inputPaths: KEY_PATH,
  response: z.object({ webhook: WebhookJson, secret: z.string() }),
  handler: async ({ body, context, claim }) => {
    refuseKey(claim);
    const { webhook, secret } = await createWebhook(context.deps, context.viewer, {
      url: body.url,
      events: body.events,
      filter: filterOf(body.filter),
      description: body.description,
    });
    return { webhook: webhookJson(webhook), secret };
  },
});

export const webhookUpdateRoute = defineRoute({
  method: 'PATCH',
  path: '/api/webhooks/:id',
  operationId: 'webhookUpdate',
  summary: 'Change a webhook’s url, events, filter, description or enabled. Admins; audited.',
  graphql: 'mutation webhookUpdate',
  tag: 'webhooks',
  scope: 'admin',
  params: z.object({ id: globalIdOf('Webhook') }),
  body: z.strictObject({
    url: z.optional(z.string()),
    events: z.optional(EventTypes),
    filter: z.nullish(FilterBody),
    description: z.nullish(z.string()),
    enabled: z.optional(z.boolean()),
  }),
  inputPaths: { id: ['params', 'id'] },
  response: z.object({ webhook: WebhookJson }),
  handler: async ({ params, body, context, claim }) =>
    oneWebhook(
      await updateWebhook(
        context.deps,
        context.viewer,
        {
          id: decodeIdOf(params.id, ['Webhook'], ['params', 'id']).id,
          ...(body.url !== undefined ? { url: body.url } : {}),
          ...(body.events !== undefined ? { events: body.events } : {}),
          ...(body.filter !== undefined ? { filter: filterOf(body.filter) } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
        },
        claim?.presenting(oneWebhook),
      ),
    ),
});

export const webhookDeleteRoute = defineRoute({
  method: 'DELETE',
  path: '/api/webhooks/:id',
  operationId: 'webhookDelete',
  summary: 'Delete a webhook and its deliveries. Admins; audited.',
  graphql: 'mutation webhookDelete',
  tag: 'webhooks',
  scope: 'admin',
  params: z.object({ id: globalIdOf('Webhook') }),
  inputPaths: { id: ['params', 'id'] },
  response: z.object({ webhook: WebhookJson }),
  handler: async ({ params, context, claim }) =>
    oneWebhook(
      await deleteWebhook(
        context.deps,
        context.viewer,
        decodeIdOf(params.id, ['Webhook'], ['params', 'id']).id,
        claim?.presenting(oneWebhook),
      ),
    ),
});

export const webhookRotateSecretRoute = defineRoute({
  method: 'POST',
  path: '/api/webhooks/:id/rotate-secret',
  operationId: 'webhookRotateSecret',
  summary:
    'Replace the signing secret (answered once); the old one keeps signing for grace_hours (default 24). Admins; audited. No Idempotency-Key.',
  graphql: 'mutation webhookRotateSecret',
  tag: 'webhooks',
  scope: 'admin',
  params: z.object({ id: globalIdOf('Webhook') }),
  body: z.optional(z.strictObject({ grace_hours: z.nullish(z.number()) })),
  inputPaths: { id: ['params', 'id'], graceHours: ['body', 'grace_hours'], ...KEY_PATH },
  response: z.object({ webhook: WebhookJson, secret: z.string() }),
  handler: async ({ params, body, context, claim }) => {
    refuseKey(claim);
    const { webhook, secret } = await rotateWebhookSecret(context.deps, context.viewer, {
      id: decodeIdOf(params.id, ['Webhook'], ['params', 'id']).id,
      graceHours: body?.grace_hours ?? null,
    });
    return { webhook: webhookJson(webhook), secret };
  },
});

export const webhookTestRoute = defineRoute({
  method: 'POST',
  path: '/api/webhooks/:id/test',
  operationId: 'webhookTest',
  summary: 'Send a webhook.test event to this webhook. Admins; audited.',
  graphql: 'mutation webhookTest',
  tag: 'webhooks',
  scope: 'admin',
  params: z.object({ id: globalIdOf('Webhook') }),
  inputPaths: { id: ['params', 'id'] },
  response: z.object({ delivery: DeliveryJson }),
  handler: async ({ params, context, claim }) =>
    oneDelivery(
      await testWebhook(
        context.deps,
        context.viewer,
        decodeIdOf(params.id, ['Webhook'], ['params', 'id']).id,
        claim?.presenting(oneDelivery),
      ),
    ),
});

export const webhookDeliveriesRoute = defineRoute({
  method: 'GET',
  path: '/api/webhooks/:id/deliveries',
  operationId: 'webhookDeliveries',
  summary: 'A webhook’s deliveries, oldest event first, with status, attempts and next retry.',
  graphql: 'query webhooks { deliveries }',
  tag: 'webhooks',
  scope: 'admin',
  params: z.object({ id: globalIdOf('Webhook') }),
  query: z.object({ limit, after: z.optional(globalIdOf('WebhookDelivery')) }),
  inputPaths: { id: ['params', 'id'] },
  response: z.object({ deliveries: z.array(DeliveryJson), next_cursor: z.nullable(z.string()) }),
  handler: async ({ params, query, context }) => {
    const webhookId = decodeIdOf(params.id, ['Webhook'], ['params', 'id']).id;
    const rows = await deliveryPageOf(context.deps, context.viewer, webhookId, {
      after: afterId(query.after, 'WebhookDelivery'),
      before: null,
      limit: query.limit + 1,
      inverted: false,
    });
    const { page, next_cursor } = pageOf(rows, query.limit, (last) =>
      encodeGlobalID('WebhookDelivery', last.id),
    );
    return { deliveries: page.map(deliveryJson), next_cursor };
  },
});

export const webhookRedeliverRoute = defineRoute({
  method: 'POST',
  path: '/api/webhooks/deliveries/:id/redeliver',
  operationId: 'webhookRedeliver',
  summary:
    'Send a delivery again with the same webhook-id and a fresh set of attempts. Admins; audited.',
  graphql: 'mutation webhookRedeliver',
  tag: 'webhooks',
  scope: 'admin',
  params: z.object({ id: globalIdOf('WebhookDelivery') }),
  inputPaths: { deliveryId: ['params', 'id'] },
  response: z.object({ delivery: DeliveryJson }),
  handler: async ({ params, context, claim }) =>
    oneDelivery(
      await redeliverWebhookDelivery(
        context.deps,
        context.viewer,
        decodeIdOf(params.id, ['WebhookDelivery'], ['params', 'id']).id,
        claim?.presenting(oneDelivery),
      ),
    ),
});

/** Literal segments first: /api/webhooks/deliveries/... before /api/webhooks/:id/... */
export const WEBHOOK_ROUTES = [
  webhookRedeliverRoute,
  webhooksList,
  webhookCreateRoute,
  webhookUpdateRoute,
  webhookDeleteRoute,
  webhookRotateSecretRoute,
  webhookTestRoute,
  webhookDeliveriesRoute,
];
