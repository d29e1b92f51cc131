// The organization-wide spend view (Organization.usage): usage per model, provider, API token or
// UTC day, the figures every usage breakdown shares.
import { ValidationError } from '../../registry/errors.ts';
import { requireRange } from '../../registry/metrics/metrics.service.ts';
import {
  type ORGANIZATION_USAGE_GROUPS,
  type OrganizationUsage,
  organizationUsageOf,
} from '../../registry/usage/usage-read.service.ts';
import { builder } from '../builder.ts';
import { requestNow } from '../lib/range-loaders.ts';
import { withUserErrors } from '../lib/user-errors.ts';
import { ApiTokenRef } from '../nodes/User.ts';
import { ModelRef, OrganizationRef } from './refs.ts';
import { UsageTotalsInterface } from './UsageReport.ts';

const OrganizationUsageByEnum = builder.enumType('OrganizationUsageBy', {
  description: 'What Organization.usage groups the requests by.',
  values: {
    MODEL: { value: 'MODEL', description: 'The registered model.' },
    PROVIDER: { value: 'PROVIDER', description: 'The provider (openai, anthropic...).' },
    API_TOKEN: { value: 'API_TOKEN', description: 'The API token that recorded them.' },
    DAY: { value: 'DAY', description: 'The UTC day they were made, oldest first.' },
  } as const satisfies Record<(typeof ORGANIZATION_USAGE_GROUPS)[number], unknown>,
});

const OrganizationUsageGroupRef = builder.objectRef<OrganizationUsage>('OrganizationUsageGroup');
OrganizationUsageGroupRef.implement({
  description: 'The usage figures of one model, provider, API token or day.',
  interfaces: [UsageTotalsInterface],
  fields: (t) => ({
    key: t.exposeString('key', {
      nullable: true,
      description:
        'The provider, the day (YYYY-MM-DD), or the row id of the model or token; null: requests without a token.',
    }),
    model: t.field({
      type: ModelRef,
      nullable: true,
      description: 'MODEL: the model.',
      resolve: (g) => (g.by === 'MODEL' ? g.key : null),
    }),
    apiToken: t.field({
      type: ApiTokenRef,
      nullable: true,
      description: 'API_TOKEN: the token, when you may see it (your own, or any as an admin).',
      resolve: (g) => g.apiToken,
    }),
  }),
});

const MAX_GROUPS = 500;

builder.objectFields(OrganizationRef, (t) => ({
  usage: t.field({
    type: [OrganizationUsageGroupRef],
    description:
      'The organization’s LLM spend over [from, to) (default: the last 30 days) per model, provider, API token or UTC day: busiest first, days oldest first.',
    args: {
      by: t.arg({ type: OrganizationUsageByEnum, required: true, description: 'The grouping.' }),
      from: t.arg({
        type: 'DateTime',
        description: 'Start (inclusive; default 30 days before to).',
      }),
      to: t.arg({ type: 'DateTime', description: 'End (exclusive; default now).' }),
      first: t.arg.int({
        required: true,
        defaultValue: 100,
        description: `Groups to return (1-${MAX_GROUPS}).`,
      }),
    },
    resolve: (_organization, args, context) =>
      withUserErrors(async () => {
        if (args.first < 1 || args.first > MAX_GROUPS) {
          throw new ValidationError(`Must be 1 to ${MAX_GROUPS}`, ['first']);
        }
        const range = requireRange(args.from, args.to, [], requestNow(context));
        return organizationUsageOf(context.deps, context.viewer, args.by, range, args.first);
      }),
  }),
}));
