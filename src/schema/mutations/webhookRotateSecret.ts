import { decodeIdOf } from '../../global-id.ts';
import { rotateWebhookSecret } from '../../registry/webhook/webhook.service.ts';
import type { Webhook } from '../../registry/webhook/webhook.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { WebhookRef } from '../nodes/Webhook.ts';

const WebhookRotateSecretInput = builder.inputType('WebhookRotateSecretInput', {
  description: 'The webhook whose signing secret to replace.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the webhook.' }),
    graceHours: t.float({
      description:
        'How long the old secret keeps signing deliveries beside the new one (0-168, default 24).',
    }),
  }),
});

const WebhookRotateSecretPayload = builder.objectRef<{ webhook: Webhook; secret: string }>(
  'WebhookRotateSecretPayload',
);
WebhookRotateSecretPayload.implement({
  description: 'The new signing secret, shown here once and never again.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, description: 'The webhook.', resolve: (p) => p.webhook }),
    secret: t.exposeString('secret', { description: 'The new secret, `whsec_<base64>`.' }),
  }),
});

const WebhookRotateSecretResult = mutationResult(
  'webhookRotateSecret',
  WebhookRotateSecretPayload,
  [...COMMON_ERRORS],
);

builder.mutationField('webhookRotateSecret', (t) =>
  t.field({
    type: WebhookRotateSecretResult,
    description:
      'Replaces a webhook’s signing secret; deliveries carry both signatures during the grace period. Admins only; audited.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: WebhookRotateSecretInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        rotateWebhookSecret(context.deps, context.viewer, {
          id: decodeIdOf(input.id, ['Webhook'], ['id']).id,
          graceHours: input.graceHours,
        }),
      ),
  }),
);
