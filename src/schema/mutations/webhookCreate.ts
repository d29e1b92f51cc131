import { decodeIdOf } from '../../global-id.ts';
import type { WebhookFilterInput } from '../../registry/webhook/webhook.service.ts';
import { createWebhook } from '../../registry/webhook/webhook.service.ts';
import type { Webhook } from '../../registry/webhook/webhook.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { WebhookEventTypeEnum, WebhookRef } from '../nodes/Webhook.ts';

export const WebhookFilterInputRef = builder.inputType('WebhookFilterInput', {
  description: 'Which events of the subscribed types to send; leave a list out to not filter.',
  fields: (t) => ({
    modelIds: t.idList({ description: 'Global IDs of models: only events about one of them.' }),
    aliases: t.stringList({
      description: 'Only alias and promotion events about one of these aliases (others pass).',
    }),
    environments: t.stringList({
      description: 'Only events about deployments in one of these environments (others pass).',
    }),
  }),
});

/** The filter as the service takes it: model global IDs decoded, paths under `filter`. */
export function filterInput(filter: {
  modelIds?: string[] | null;
  aliases?: string[] | null;
  environments?: string[] | null;
}): WebhookFilterInput {
  return {
    modelIds:
      filter.modelIds?.map(
        (id, index) => decodeIdOf(id, ['Model'], ['filter', 'modelIds', String(index)]).id,
      ) ?? null,
    aliases: filter.aliases ?? null,
    environments: filter.environments ?? null,
  };
}

const WebhookCreateInput = builder.inputType('WebhookCreateInput', {
  description: 'A new webhook.',
  fields: (t) => ({
    url: t.string({
      required: true,
      description: 'Where to POST events: https (http to loopback only outside production).',
    }),
    events: t.field({
      type: [WebhookEventTypeEnum],
      required: true,
      description: 'The event types to send (at least one).',
    }),
    filter: t.field({ type: WebhookFilterInputRef, description: 'Which of those events.' }),
    description: t.string({ description: 'What it is for (at most 2,000 characters).' }),
  }),
});

const WebhookCreatePayload = builder.objectRef<{ webhook: Webhook; secret: string }>(
  'WebhookCreatePayload',
);
WebhookCreatePayload.implement({
  description: 'The new webhook and its signing secret, shown here once and never again.',
  fields: (t) => ({
    webhook: t.field({ type: WebhookRef, description: 'The webhook.', resolve: (p) => p.webhook }),
    secret: t.exposeString('secret', {
      description: 'The signing secret, `whsec_<base64>`, for a Standard Webhooks verifier.',
    }),
  }),
});

const WebhookCreateResult = mutationResult('webhookCreate', WebhookCreatePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('webhookCreate', (t) =>
  t.field({
    type: WebhookCreateResult,
    description: 'Creates a webhook. Admins only; audited.',
    authScopes: { admin: true },
    args: {
      input: t.arg({ type: WebhookCreateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        createWebhook(context.deps, context.viewer, {
          url: input.url,
          events: input.events,
          filter: input.filter ? filterInput(input.filter) : null,
          description: input.description,
        }),
      ),
  }),
);
