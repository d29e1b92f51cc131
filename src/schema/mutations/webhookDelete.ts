import { decodeIdOf } from '../../global-id.ts';
import { deleteWebhook } from '../../registry/webhook/webhook.service.ts';
import type { Webhook } from '../../registry/webhook/webhook.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { WebhookRef } from '../nodes/Webhook.ts';

const WebhookDeleteInput = builder.inputType('WebhookDeleteInput', {
  description: 'The webhook to delete.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the webhook.' }),
  }),
});

const WebhookDeletePayload = builder.objectRef<{ webhook: Webhook }>('WebhookDeletePayload');
WebhookDeletePayload.implement({
  description: 'The webhook as it was; it and its deliveries are gone.',
  fields: (t) => ({
    webhook: t.field({
      type: WebhookRef,
      description: 'The deleted webhook.',
      resolve: (p) => p.webhook,
    }),
  }),
});

const WebhookDeleteResult = mutationResult('webhookDelete', WebhookDeletePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('webhookDelete', (t) =>
  t.field({
    type: WebhookDeleteResult,
    description:
      'Deletes a webhook and its deliveries; queued deliveries are dropped unsent. Admins only; audited.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: WebhookDeleteInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        webhook: await deleteWebhook(
          context.deps,
          context.viewer,
          decodeIdOf(input.id, ['Webhook'], ['id']).id,
        ),
      })),
  }),
);
