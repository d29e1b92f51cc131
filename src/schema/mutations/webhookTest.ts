import { decodeIdOf } from '../../global-id.ts';
import { testWebhook } from '../../registry/webhook/webhook.service.ts';
import type { WebhookDelivery } from '../../registry/webhook/webhook.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { WebhookDeliveryRef } from '../nodes/Webhook.ts';

const WebhookTestInput = builder.inputType('WebhookTestInput', {
  description: 'The webhook to send a test event to.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the webhook.' }),
  }),
});

const WebhookTestPayload = builder.objectRef<{ delivery: WebhookDelivery }>('WebhookTestPayload');
WebhookTestPayload.implement({
  description:
    'The test event’s delivery, PENDING: read it back through `webhooks` to see it land.',
  fields: (t) => ({
    delivery: t.field({
      type: WebhookDeliveryRef,
      description: 'The delivery.',
      resolve: (p) => p.delivery,
    }),
  }),
});

const WebhookTestResult = mutationResult('webhookTest', WebhookTestPayload, [...COMMON_ERRORS]);

builder.mutationField('webhookTest', (t) =>
  t.field({
    type: WebhookTestResult,
    description:
      'Sends a `webhook.test` event to one webhook, whatever it subscribes to. Admins only; audited.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: WebhookTestInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        delivery: await testWebhook(
          context.deps,
          context.viewer,
          decodeIdOf(input.id, ['Webhook'], ['id']).id,
        ),
      })),
  }),
);
