import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import {
  GraphQLError,
  type GraphQLField,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { viewerScopes } from '../auth/viewer.ts';
import type { Context } from '../context.ts';
import { encodeGlobalID } from '../global-id.ts';
import { DEFAULT_PAGE_SIZE } from '../registry/paging.ts';

/** Query limits, enforced while validating each operation (before anything runs). */
export const QUERY_LIMITS = {
  /** Deepest selection allowed. Lineage of any depth is one field, so this does not limit it. */
  depth: 12,
  /** Fields selected in one operation, counting every alias. */
  breadth: 400,
  /** Estimated cost: each field 1; a connection times its `first`/`last` (default 20), any other list times 10. */
  complexity: 100_000,
} as const;

/**
 * A field's cost: a connection multiplies what it selects by the page it asks for (`first` or
 * `last`, default 20), so `first: 100` costs ten times `first: 10`; the `edges` of that page are
 * already counted by it; any other list counts as 10 entries; a field alone costs 1.
 */
function pageAwareCost(
  args: Record<string, unknown>,
  _context: Context,
  field: GraphQLField<unknown, Context>,
): { field: number; multiplier: number } | number {
  const named = getNamedType(field.type);
  if (named.name.endsWith('Connection') && isObjectType(named) && named.getFields().pageInfo) {
    const size = typeof args.first === 'number' ? args.first : args.last;
    return {
      field: 1,
      multiplier: typeof size === 'number' ? Math.max(size, 0) : DEFAULT_PAGE_SIZE,
    };
  }
  const type = isNonNullType(field.type) ? field.type.ofType : field.type;
  if (!isListType(type)) return 1;
  const isPageEdge = isObjectType(named) && Boolean(named.getFields().cursor);
  return { field: 1, multiplier: isPageEdge ? 1 : 10 };
}

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: ReturnType<typeof viewerScopes>;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    SafeInt: { Input: number; Output: number };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  // Fields are non-null unless they say `nullable: true`: absence is then always deliberate.
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin, DataloaderPlugin, ComplexityPlugin],
  scopeAuth: {
    authScopes: (context) => viewerScopes(context.viewer),
    unauthorizedError: (_parent, _context, info) =>
      new GraphQLError(`Your role does not allow ${info.parentType.name}.${info.fieldName}`, {
        extensions: { code: 'FORBIDDEN' },
      }),
  },
  relay: {
    // Natively encoded (src/global-id.ts); the same strings as the plugin's own encoder.
    encodeGlobalID: (typename, id) => encodeGlobalID(typename, id),
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false, description: 'The entries of this page.' },
    nodeFieldOptions: { nullable: false, description: 'The entry.' },
    cursorFieldOptions: { description: 'Opaque position of this entry, for `after`/`before`.' },
    pageInfoFieldOptions: { description: 'Where this page sits in the whole list.' },
    hasNextPageFieldOptions: { description: 'Whether entries follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether entries precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first entry of this page.' },
    endCursorFieldOptions: { description: 'Cursor of the last entry of this page.' },
    firstArgOptions: { description: 'Page size from the start (0-100, default 20).' },
    lastArgOptions: { description: 'Page size from the end (0-100).' },
    afterArgOptions: { description: 'Return entries after this cursor.' },
    beforeArgOptions: { description: 'Return entries before this cursor.' },
    idFieldOptions: { description: 'Globally unique, opaque ID; refetch with node(id:).' },
    nodeTypeOptions: { description: 'An object with a global, opaque, refetchable ID.' },
    pageInfoTypeOptions: { description: 'Where a page of a connection sits in the whole list.' },
    // Defined in nodes/Node.ts instead: the plugin's fields fail on a well-formed global ID of a
    // type that is no Node (an ApiToken's, which the API hands out) rather than giving null.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    defaultConnectionTypeOptions: { description: 'A page of a list, with keyset cursors.' },
    defaultEdgeTypeOptions: { description: 'An entry of a page, with its cursor.' },
  },
  errors: {
    directResult: true,
    defaultUnionOptions: {
      description: 'What the mutation returns: its payload on success, or an error as data.',
      name: ({ fieldName }) => `${fieldName.charAt(0).toUpperCase()}${fieldName.slice(1)}Result`,
    },
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    fieldComplexity: pageAwareCost,
    limit: { ...QUERY_LIMITS },
    // Checked when the operation starts, before any resolver runs; answered like the alias limit.
    complexityError: (kind, result) => {
      const limit = kind.toLowerCase() as keyof typeof QUERY_LIMITS;
      return new GraphQLError(
        `Query ${limit} ${result[limit]} exceeds the limit of ${QUERY_LIMITS[limit]} (limit: ${limit})`,
        { extensions: { code: 'QUERY_TOO_COMPLEX', limit, max: QUERY_LIMITS[limit] } },
      );
    },
  },
});
