import { decodeIdOf } from '../../global-id.ts';
import { redeliverWebhookDelivery } from '../../registry/webhook/webhook.service.ts';
import type { WebhookDelivery } from '../../registry/webhook/webhook.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { WebhookDeliveryRef } from '../nodes/Webhook.ts';

const WebhookRedeliverInput = builder.inputType('WebhookRedeliverInput', {
  description: 'The delivery to send again.',
  fields: (t) => ({
    deliveryId: t.id({ required: true, description: 'Global ID of the delivery.' }),
  }),
});

const WebhookRedeliverPayload = builder.objectRef<{ delivery: WebhookDelivery }>(
  'WebhookRedeliverPayload',
);
WebhookRedeliverPayload.implement({
  description: 'The delivery, PENDING again with a fresh set of attempts and the same event id.',
  fields: (t) => ({
    delivery: t.field({
      type: WebhookDeliveryRef,
      description: 'The delivery.',
      resolve: (p) => p.delivery,
    }),
  }),
});

const WebhookRedeliverResult = mutationResult('webhookRedeliver', WebhookRedeliverPayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('webhookRedeliver', (t) =>
  t.field({
    type: WebhookRedeliverResult,
    description:
      'Sends a delivery again (whatever its status), with the same `webhook-id`. Admins only; audited.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: WebhookRedeliverInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        delivery: await redeliverWebhookDelivery(
          context.deps,
          context.viewer,
          decodeIdOf(input.deliveryId, ['WebhookDelivery'], ['deliveryId']).id,
        ),
      })),
  }),
);
