import { GraphQLError } from 'graphql';
import { encodeGlobalID, readGlobalID } from '../../global-id.ts';
import type { AuditEvent } from '../../registry/audit/audit.ts';
import {
  aliasMovePagesOf,
  aliasMovesInEffect,
  auditEventPage,
} from '../../registry/audit/audit-read.service.ts';
import { builder } from '../builder.ts';
import { idOrderedConnection, idOrderedConnections } from '../lib/lists.ts';
import { loadNodeByGlobalId } from '../lib/nodes.ts';
import { ModelRef, ModelVersionRef, UserRef } from '../objects/refs.ts';

const AuditEventRef = builder.objectRef<AuditEvent>('AuditEvent').implement({
  description: 'One append-only record of a change: who, what, when, why, before and after.',
  fields: (t) => ({
    action: t.exposeString('action', {
      description: 'What happened, e.g. model.promote, approval.approve, dataset.erasureRequest.',
    }),
    actor: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who did it.',
      resolve: (event) => event.actorId,
    }),
    subjectId: t.id({
      description: 'Global ID of what it happened to.',
      resolve: (event) => encodeGlobalID(event.subjectKind, event.subjectId),
    }),
    subjectKind: t.exposeString('subjectKind', { description: 'The kind of the subject.' }),
    subject: t.field({
      type: builder.nodeInterfaceRef(),
      nullable: true,
      description: 'The subject itself, when it is a node you can see.',
      resolve: (event, _args, context) =>
        loadNodeByGlobalId(context, encodeGlobalID(event.subjectKind, event.subjectId)) as never,
    }),
    before: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The state before, where the change has one.',
      resolve: (event) => event.before,
    }),
    after: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The state after.',
      resolve: (event) => event.after,
    }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why, as given.' }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it happened.',
      resolve: (event) => event.createdAt,
    }),
  }),
});

const AuditEventConnection = builder.connectionObject(
  { type: AuditEventRef, name: 'AuditEventConnection', description: 'A page of audit events.' },
  { name: 'AuditEventEdge', description: 'An AuditEvent in a page.' },
);

builder.queryField('auditEvents', (t) =>
  t.field({
    type: AuditEventConnection,
    description: 'Your organization’s audit trail, or one subject’s, oldest first.',
    args: {
      ...t.arg.connectionArgs(),
      subject: t.arg.id({ description: 'Global ID of a node (or API token) to restrict to.' }),
      actions: t.arg.stringList({ description: 'Only these actions, e.g. ["model.promote"].' }),
    },
    resolve: (_root, args, context) => {
      let subjectId: string | null = null;
      if (args.subject != null) {
        subjectId = readGlobalID(args.subject)?.id ?? null;
        if (!subjectId) {
          throw new GraphQLError('"subject" is not an ID returned by this API', {
            extensions: { code: 'BAD_USER_INPUT', argument: 'subject' },
          });
        }
      }
      if (args.actions && args.actions.length > 50) {
        throw new GraphQLError('"actions" takes at most 50 actions', {
          extensions: { code: 'BAD_USER_INPUT', argument: 'actions' },
        });
      }
      return idOrderedConnection(args, (page) =>
        auditEventPage(
          context.deps,
          context.viewer,
          { subjectId, actions: args.actions ?? null },
          page,
        ),
      );
    },
  }),
);

const MoveActionEnum = builder.enumType('AliasMoveAction', {
  description: 'How an alias moved.',
  values: {
    PROMOTE: { value: 'model.promote', description: 'modelVersionPromote moved production.' },
    ALIAS_SET: { value: 'model.aliasSet', description: 'modelAliasSet moved another alias.' },
  } as const,
});

interface AliasAfter {
  alias: string;
  versionId: string;
  approvalId?: string;
}

const AliasChangeRef = builder.objectRef<AuditEvent>('AliasChange').implement({
  description: 'One move of an alias, from the audit trail: which version, who moved it, and why.',
  fields: (t) => ({
    alias: t.string({
      description: 'The alias moved.',
      resolve: (event) => (event.after as AliasAfter).alias,
    }),
    version: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'The version it pointed at from then on.',
      resolve: (event) => (event.after as AliasAfter).versionId,
    }),
    previousVersion: t.field({
      type: ModelVersionRef,
      nullable: true,
      description: 'The version it pointed at before, if any.',
      resolve: (event) => (event.before as { versionId: string | null } | null)?.versionId ?? null,
    }),
    action: t.field({
      type: MoveActionEnum,
      description: 'Promotion or alias set.',
      resolve: (event) => event.action as 'model.promote' | 'model.aliasSet',
    }),
    movedBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who moved it.',
      resolve: (event) => event.actorId,
    }),
    movedAt: t.field({
      type: 'DateTime',
      description: 'When.',
      resolve: (event) => event.createdAt,
    }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why, as given.' }),
    approvalId: t.id({
      nullable: true,
      description: 'Global ID of the approved request that allowed a promotion, if one was needed.',
      resolve: (event) => {
        const approvalId = (event.after as AliasAfter).approvalId;
        return approvalId ? encodeGlobalID('Approval', approvalId) : null;
      },
    }),
  }),
});

const AliasChangeConnection = builder.connectionObject(
  { type: AliasChangeRef, name: 'AliasChangeConnection', description: 'A page of alias moves.' },
  { name: 'AliasChangeEdge', description: 'An AliasChange in a page.' },
);

builder.objectFields(ModelRef, (t) => ({
  aliasHistory: t.loadable({
    type: AliasChangeConnection,
    description: 'Every move of this model’s aliases (or of one), oldest first.',
    byPath: true,
    args: {
      ...t.arg.connectionArgs(),
      alias: t.arg.string({ description: 'Only this alias, e.g. "production".' }),
    },
    load: (ids: string[], context, args) =>
      idOrderedConnections(args, (page) =>
        aliasMovePagesOf(
          context.deps,
          context.viewer,
          { modelIds: ids, alias: args.alias ?? null },
          page,
        ),
      ),
    resolve: (model) => model.id,
  }),
  aliasAt: t.loadable({
    type: AliasChangeRef,
    nullable: true,
    description:
      'The move of an alias in effect at a time: which version was production at T, who moved it there, and why.',
    byPath: true,
    args: {
      alias: t.arg.string({
        defaultValue: 'production',
        required: true,
        description: 'The alias (default "production").',
      }),
      at: t.arg({ type: 'DateTime', required: true, description: 'The time to look at.' }),
    },
    load: (ids: string[], context, args) =>
      aliasMovesInEffect(context.deps, context.viewer, {
        modelIds: ids,
        alias: args.alias,
        at: args.at,
      }),
    resolve: (model) => model.id,
  }),
}));
