// LLM usage of the whole organization (or one model) per API token, end user or experiment
// (usageAttribution): who and what spent the tokens and the money.
import { decodeIdOf } from '../../global-id.ts';
import { ValidationError } from '../../registry/errors.ts';
import { requireRange } from '../../registry/metrics/metrics.service.ts';
import {
  type AttributedUsage,
  type USAGE_ATTRIBUTIONS,
  usageAttributionOf,
} from '../../registry/usage/usage-read.service.ts';
import { builder } from '../builder.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { ApiTokenRef } from '../nodes/User.ts';
import { ExperimentRef } from './refs.ts';
import { UsageTotalsInterface } from './UsageReport.ts';

const UsageAttributionEnum = builder.enumType('UsageAttribution', {
  description: 'What usageAttribution groups requests by.',
  values: {
    API_TOKEN: {
      value: 'API_TOKEN',
      description: 'The API token that recorded them (inferenceTrack, /api/vibe/track, OTLP).',
    },
    END_USER: {
      value: 'END_USER',
      description: 'The application’s end user (endUserId, or enduser.id / user.id on spans).',
    },
    EXPERIMENT: { value: 'EXPERIMENT', description: 'The A/B experiment they belong to.' },
  } as const satisfies Record<(typeof USAGE_ATTRIBUTIONS)[number], unknown>,
});

const AttributedUsageRef = builder.objectRef<AttributedUsage>('AttributedUsage');
AttributedUsageRef.implement({
  description:
    'The usage figures of one API token, end user or experiment; a null key groups the requests that had none.',
  interfaces: [UsageTotalsInterface],
  fields: (t) => ({
    key: t.exposeString('key', {
      nullable: true,
      description:
        'The end user id (END_USER), or the row id of the token (API_TOKEN) or experiment (EXPERIMENT); null: requests without one.',
    }),
    apiToken: t.field({
      type: ApiTokenRef,
      nullable: true,
      description: 'API_TOKEN: the token, when you may see it (your own, or any as an admin).',
      resolve: (u) => u.apiToken,
    }),
    experiment: t.field({
      type: ExperimentRef,
      nullable: true,
      description: 'EXPERIMENT: the experiment.',
      resolve: (u) => (u.by === 'EXPERIMENT' ? u.key : null),
    }),
  }),
});

const MAX_GROUPS = 500;

builder.queryField('usageAttribution', (t) =>
  t.field({
    type: [AttributedUsageRef],
    description:
      'LLM usage of your organization (or one model) over [from, to) per API token, end user or experiment, busiest first.',
    args: {
      by: t.arg({ type: UsageAttributionEnum, required: true, description: 'The grouping.' }),
      from: t.arg({
        type: 'DateTime',
        description: 'Start (inclusive; default 30 days before to).',
      }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive; default now).' }),
      modelId: t.arg.id({ description: 'Only this model’s requests.' }),
      first: t.arg.int({
        required: true,
        defaultValue: 50,
        description: `Groups to return (1-${MAX_GROUPS}).`,
      }),
    },
    resolve: (_root, args, context) =>
      withUserErrors(async () => {
        if (args.first < 1 || args.first > MAX_GROUPS) {
          throw new ValidationError(`Must be 1 to ${MAX_GROUPS}`, ['first']);
        }
        const range = requireRange(args.from, args.to);
        const modelId = args.modelId
          ? decodeIdOf(String(args.modelId), ['Model'], ['modelId']).id
          : null;
        return usageAttributionOf(
          context.deps,
          context.viewer,
          args.by,
          range,
          modelId,
          args.first,
        );
      }),
  }),
);
