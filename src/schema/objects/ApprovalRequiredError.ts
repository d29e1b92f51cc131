import { encodeGlobalID } from '../../global-id.ts';
import type { CheckStatus, CheckType } from '../../registry/governance/governance.ts';
import { ApprovalRequiredError } from '../../registry/governance/governance-errors.ts';
import { builder } from '../builder.ts';
import { ErrorInterface } from '../errors.ts';
import { CheckStatusEnum, CheckTypeEnum } from './ComplianceCheck.ts';

const CheckStatusEntry = builder
  .objectRef<{ type: CheckType; status: CheckStatus }>('RequiredCheckStatus')
  .implement({
    description: 'The latest result of a required check in the closest approved request.',
    fields: (t) => ({
      type: t.field({ type: CheckTypeEnum, description: 'The check.', resolve: (e) => e.type }),
      status: t.field({
        type: CheckStatusEnum,
        description: 'Its latest result.',
        resolve: (e) => e.status,
      }),
    }),
  });

builder.objectType(ApprovalRequiredError, {
  name: 'ApprovalRequiredError',
  description:
    'The promotion policy is not met: no approved request of the version in which every required check passed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ApprovalRequiredError,
  fields: (t) => ({
    missingChecks: t.field({
      type: [CheckTypeEnum],
      description: 'Required checks with no passing result in an approved request.',
      resolve: (error) => [...error.missingChecks],
    }),
    checkStatuses: t.field({
      type: [CheckStatusEntry],
      description: 'The closest approved request’s latest result of each required check it ran.',
      resolve: (error) => [...error.checkStatuses],
    }),
    approvedRequestExists: t.exposeBoolean('approvedRequestExists', {
      description: 'Whether the version has any approved request at all.',
    }),
    pendingApprovalId: t.id({
      nullable: true,
      description: 'Global ID of the version’s request still waiting for review, if any.',
      resolve: (error) =>
        error.pendingApprovalId ? encodeGlobalID('Approval', error.pendingApprovalId) : null,
    }),
  }),
});
