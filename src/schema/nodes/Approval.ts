import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';
import {
  APPROVAL_STATES,
  type Approval,
  type ComplianceCheck,
} from '../../registry/governance/governance.ts';
import {
  approvalPagesOf,
  approvalsByIds,
  checkPagesOfVersions,
  latestChecksOf,
  pendingApprovalPage,
} from '../../registry/governance/governance-read.service.ts';
import { builder } from '../builder.ts';
import type { ConnectionArgs } from '../lib/connection.ts';
import { idOrderedConnection, idOrderedConnections } from '../lib/lists.ts';
import { registerRefetchable } from '../lib/nodes.ts';
import { CheckTypeEnum, ComplianceCheckRef } from '../objects/ComplianceCheck.ts';
import { ModelRef, ModelVersionRef, UserRef } from '../objects/refs.ts';

export const ApprovalRef = builder.loadableNodeRef<Approval, string, string, string, Approval>(
  'Approval',
  {
    id: { resolve: (approval) => approval.id },
    load: (ids: string[], context: Context) => approvalsByIds(context.deps, context.viewer, ids),
    toKey: (approval) => approval.id,
    sort: true,
    cacheResolved: true,
  },
);

const STATE_DESCRIPTIONS: Record<(typeof APPROVAL_STATES)[number], string> = {
  PENDING: 'Waiting for a reviewer.',
  APPROVED: 'A reviewer approved it; final.',
  REJECTED: 'A reviewer rejected it; final.',
};

export const ApprovalStateEnum = builder.enumType('ApprovalState', {
  description: 'Where an approval request is.',
  values: Object.fromEntries(
    APPROVAL_STATES.map((state) => [
      state,
      { value: state, description: STATE_DESCRIPTIONS[state] },
    ]),
  ) as Record<
    (typeof APPROVAL_STATES)[number],
    { value: (typeof APPROVAL_STATES)[number]; description: string }
  >,
});

const latestChecksCache = createContextCache(
  (context: Context) =>
    new DataLoader<string, ComplianceCheck[]>((ids) =>
      latestChecksOf(context.deps, context.viewer, ids),
    ),
);

registerRefetchable('Approval', ApprovalRef);

ApprovalRef.implement({
  description:
    'A request to approve a model version for production: the automated checks run for it and a reviewer’s decision.',
  isTypeOf: (value) => (value as Approval).kind === 'Approval',
  fields: (t) => ({
    modelVersion: t.field({
      type: ModelVersionRef,
      description: 'The version to approve.',
      resolve: (approval) => approval.modelVersionId,
    }),
    model: t.field({
      type: ModelRef,
      description: 'The version’s model.',
      resolve: (approval) => approval.modelId,
    }),
    state: t.field({
      type: ApprovalStateEnum,
      description: 'Pending, approved or rejected.',
      resolve: (approval) => approval.state,
    }),
    requestedChecks: t.field({
      type: [CheckTypeEnum],
      description: 'The checks requested.',
      resolve: (approval) => approval.requestedChecks,
    }),
    checks: t.field({
      type: [ComplianceCheckRef],
      description: 'The latest result of each requested check (re-runs replace earlier ones).',
      resolve: (approval, _args, context) => latestChecksCache(context).load(approval.id),
    }),
    evidence: t.field({
      type: 'JSON',
      description: 'The evidence the checks read, as last submitted.',
      resolve: (approval) => approval.evidence,
    }),
    requestNotes: t.exposeString('requestNotes', {
      nullable: true,
      description: 'What the requester said.',
    }),
    requester: t.field({
      type: UserRef,
      description: 'Who asked for approval.',
      resolve: (approval) => approval.requestedById,
    }),
    requestedByName: t.exposeString('requestedByName', {
      nullable: true,
      description:
        'Who the client said asks, in its own words (e.g. "eng-team"); null if it said nothing. The requester is the acting user regardless.',
    }),
    requestedAt: t.field({
      type: 'DateTime',
      description: 'When approval was asked for.',
      resolve: (approval) => approval.requestedAt,
    }),
    reviewer: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who decided; null while pending.',
      resolve: (approval) => approval.reviewedById,
    }),
    reviewedByName: t.exposeString('reviewedByName', {
      nullable: true,
      description:
        'Who the client said decided, in its own words (e.g. "compliance-team"); null if it said nothing or while pending. The reviewer is the acting user regardless.',
    }),
    reviewedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was decided; null while pending.',
      resolve: (approval) => approval.reviewedAt,
    }),
    notes: t.exposeString('reviewNotes', {
      nullable: true,
      description: 'The reviewer’s notes on the decision.',
    }),
  }),
});

export const ApprovalConnection = builder.connectionObject(
  { type: ApprovalRef, name: 'ApprovalConnection', description: 'A page of approval requests.' },
  { name: 'ApprovalEdge', description: 'An Approval in a page.' },
);

const ComplianceCheckConnection = builder.connectionObject(
  {
    type: ComplianceCheckRef,
    name: 'ComplianceCheckConnection',
    description: 'A page of compliance check runs.',
  },
  { name: 'ComplianceCheckEdge', description: 'A ComplianceCheck in a page.' },
);

function approvalPages(
  context: Context,
  of: 'version' | 'model',
  ids: readonly string[],
  args: ConnectionArgs,
) {
  return idOrderedConnections(args, (page) =>
    approvalPagesOf(context.deps, context.viewer, { of, ids }, page),
  );
}

builder.objectFields(ModelVersionRef, (t) => ({
  approvals: t.loadable({
    type: ApprovalConnection,
    description: 'Approval requests of this version, oldest first.',
    byPath: true,
    args: { ...t.arg.connectionArgs() },
    load: (ids: string[], context, args) => approvalPages(context, 'version', ids, args),
    resolve: (version) => version.id,
  }),
  complianceChecks: t.loadable({
    type: ComplianceCheckConnection,
    description: 'Every check run on this version, with or without a request, oldest first.',
    byPath: true,
    args: { ...t.arg.connectionArgs() },
    load: (ids: string[], context, args) =>
      idOrderedConnections(args, (page) =>
        checkPagesOfVersions(context.deps, context.viewer, ids, page),
      ),
    resolve: (version) => version.id,
  }),
}));

builder.objectFields(ModelRef, (t) => ({
  governanceHistory: t.loadable({
    type: ApprovalConnection,
    description: 'Approval requests of all of this model’s versions, oldest first.',
    byPath: true,
    args: { ...t.arg.connectionArgs() },
    load: (ids: string[], context, args) => approvalPages(context, 'model', ids, args),
    resolve: (model) => model.id,
  }),
}));

builder.queryField('pendingApprovals', (t) =>
  t.field({
    type: ApprovalConnection,
    description: 'Approval requests of your organization waiting for a reviewer, oldest first.',
    args: { ...t.arg.connectionArgs() },
    resolve: (_root, args, context) =>
      idOrderedConnection(args, (page) => pendingApprovalPage(context.deps, context.viewer, page)),
  }),
);
