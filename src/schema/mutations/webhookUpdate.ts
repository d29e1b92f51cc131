import { decodeIdOf } from '../../global-id.ts';
import { updateWebhook } from '../../registry/webhook/webhook.service.ts';
import type { Webhook } from '../../registry/webhook/webhook.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { WebhookEventTypeEnum, WebhookRef } from '../nodes/Webhook.ts';
import { filterInput, WebhookFilterInputRef } from './webhookCreate.ts';

const WebhookUpdateInput = builder.inputType('WebhookUpdateInput', {
  description: 'Changes to a webhook; a field left out stays as it is.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Global ID of the webhook.' }),
    url: t.string({ description: 'A new URL (same rules as webhookCreate).' }),
    events: t.field({ type: [WebhookEventTypeEnum], description: 'The new event types.' }),
    filter: t.field({ type: WebhookFilterInputRef, description: 'A new filter; null clears it.' }),
    description: t.string({ description: 'A new description; null clears it.' }),
    enabled: t.boolean({ description: 'False stops deliveries; true resumes them.' }),
  }),
});

const WebhookUpdatePayload = builder.objectRef<{ webhook: Webhook }>('WebhookUpdatePayload');
WebhookUpdatePayload.implement({
  description: 'The webhook as changed.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, description: 'The webhook.', resolve: (p) => p.webhook }),
  }),
});

const WebhookUpdateResult = mutationResult('webhookUpdate', WebhookUpdatePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('webhookUpdate', (t) =>
  t.field({
    type: WebhookUpdateResult,
    description:
      'Changes a webhook’s URL, events, filter, description or enabled state. Admins only; audited.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: WebhookUpdateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => {
        const { id } = decodeIdOf(input.id, ['Webhook'], ['id']);
        const webhook = await updateWebhook(context.deps, context.viewer, {
          id,
          ...(input.url != null ? { url: input.url } : {}),
          ...(input.events != null ? { events: input.events } : {}),
          ...(input.filter !== undefined
            ? { filter: input.filter === null ? null : filterInput(input.filter) }
            : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.enabled != null ? { enabled: input.enabled } : {}),
        });
        return { webhook };
      }),
  }),
);
