import { encodeGlobalID } from '../global-id.ts';
import {
  ConflictError,
  EdgeNotAllowedError,
  ForbiddenError,
  LineageCycleError,
  NotFoundError,
  type RegistryError,
  ValidationError,
} from '../registry/errors.ts';
import { builder } from './builder.ts';
import { EdgeTypeEnum, NodeKindEnum } from './objects/enums.ts';

export const ErrorInterface = builder.interfaceRef<RegistryError>('Error').implement({
  description: 'An expected failure, returned as data in a mutation result.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, for people.' }),
    path: t.stringList({
      description:
        'The input field the error is about, as a path such as ["input", "metadata"]; empty when about the whole request.',
      resolve: (error) => [...error.path],
    }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input is malformed or out of range.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description:
    'A referenced node does not exist, is of the wrong kind, or belongs to another organization.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    resourceId: t.string({
      nullable: true,
      description: 'The id that was not found, as sent.',
      resolve: (error) =>
        error.resourceId !== null && error.resourceKind !== null
          ? encodeGlobalID(error.resourceKind, error.resourceId)
          : error.resourceId,
    }),
  }),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The change collides with existing state, such as a duplicate name or version.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ConflictError,
});

builder.objectType(EdgeNotAllowedError, {
  name: 'EdgeNotAllowedError',
  description: 'This edge type may not join these two kinds of node.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof EdgeNotAllowedError,
  fields: (t) => ({
    edgeType: t.field({
      type: EdgeTypeEnum,
      description: 'The edge type that was asked for.',
      resolve: (error) => error.edgeType as never,
    }),
    fromKind: t.field({
      type: NodeKindEnum,
      description: 'The kind of the source node.',
      resolve: (error) => error.fromKind as never,
    }),
    toKind: t.field({
      type: NodeKindEnum,
      description: 'The kind of the target node.',
      resolve: (error) => error.toKind as never,
    }),
  }),
});

builder.objectType(LineageCycleError, {
  name: 'LineageCycleError',
  description: 'The edge would close a cycle in an edge type that must stay acyclic.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof LineageCycleError,
  fields: (t) => ({
    edgeType: t.field({
      type: EdgeTypeEnum,
      description: 'The acyclic edge type.',
      resolve: (error) => error.edgeType as never,
    }),
    cycle: t.idList({
      description:
        'Global IDs of the nodes on the existing path from the new edge’s target back to its source.',
      resolve: (error) => error.cycle.map((id) => encodeGlobalID(error.nodeKind, id)),
    }),
  }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'Your role does not allow this action.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ForbiddenError,
});

/** The errors every registry mutation can return as data. */
export const COMMON_ERRORS = [ValidationError, NotFoundError, ConflictError] as const;
export const EDGE_ERRORS = [EdgeNotAllowedError, LineageCycleError] as const;
