import { GraphQLError } from 'graphql';
import type { Context } from '../../context.ts';
import {
  type ModelKey,
  type ModelSortColumn,
  searchModels,
} from '../../registry/model/model.repository.ts';
import { type Model, toModel } from '../../registry/model/model.ts';
import {
  type ConnectionArgs,
  decodeCursor,
  encodeCursor,
  parsePageArgs,
  toConnection,
} from './connection.ts';

const MAX_FILTER_VALUES = 100;

export interface ModelFilterArgs {
  tagsAny?: readonly string[] | null;
  tagsAll?: readonly string[] | null;
  status?: readonly string[] | null;
  provider?: readonly string[] | null;
  framework?: readonly string[] | null;
  modelType?: readonly string[] | null;
  text?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

function badInput(message: string, argument: string) {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument } });
}

function list(values: readonly string[] | null | undefined, name: string) {
  if (values === null || values === undefined) return null;
  if (values.length > MAX_FILTER_VALUES) {
    throw badInput(`filter.${name} takes at most ${MAX_FILTER_VALUES} values`, `filter.${name}`);
  }
  return values;
}

function sortValue(model: Model, column: ModelSortColumn): string {
  if (column === 'name') return model.name;
  return (column === 'created_at' ? model.createdAt : model.updatedAt).toISOString();
}

/** The `models` list: validates the filter, decodes (column, value, id) cursors, pages. */
export async function listModels(
  context: Context,
  args: ConnectionArgs,
  options: {
    filter: ModelFilterArgs | null;
    orderBy: { field: ModelSortColumn; direction: 'ASC' | 'DESC' };
  },
) {
  const filter = options.filter ?? {};
  const column = options.orderBy.field;
  const decodeKey = (cursor: string, argument: string): string => decodeCursor(cursor, argument);
  const page = parsePageArgs(args, decodeKey);
  const toKey = (raw: string | null, argument: string): ModelKey | null => {
    if (raw === null) return null;
    try {
      const [cursorColumn, value, id] = JSON.parse(raw) as [string, string, string];
      if (cursorColumn === column && typeof value === 'string' && typeof id === 'string') {
        return { value, id };
      }
    } catch {
      // fall through
    }
    throw badInput(`"${argument}" is not a cursor of this list and sort order`, argument);
  };
  if (filter.text && filter.text.length > 200) {
    throw badInput('filter.text must be at most 200 characters', 'filter.text');
  }
  const rows = await searchModels(
    context.db,
    context.viewer.orgId,
    {
      tagsAny: list(filter.tagsAny, 'tagsAny'),
      tagsAll: list(filter.tagsAll, 'tagsAll'),
      statuses: list(filter.status, 'status'),
      providers: list(filter.provider, 'provider'),
      frameworks: list(filter.framework, 'framework'),
      modelTypes: list(filter.modelType, 'modelType'),
      text: filter.text?.trim() || null,
      createdAfter: filter.createdAfter?.toISOString() ?? null,
      createdBefore: filter.createdBefore?.toISOString() ?? null,
    },
    { column, descending: options.orderBy.direction === 'DESC' },
    {
      after: toKey(page.after, 'after'),
      before: toKey(page.before, 'before'),
      limit: page.limit,
      inverted: page.inverted,
    },
  );
  return toConnection(
    rows.map(toModel),
    page,
    (model, cursor) => ({ cursor, node: model }),
    (model) => encodeCursor(JSON.stringify([column, sortValue(model, column), model.id])),
  );
}
