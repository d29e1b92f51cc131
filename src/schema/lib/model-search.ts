import type { Context } from '../../context.ts';
import {
  listModels as listModelsOf,
  type ModelListFilter,
  modelCursorKey,
} from '../../registry/model/model.service.ts';
import type { ModelSortColumn } from '../../registry/model/model.ts';
import {
  type ConnectionArgs,
  decodeCursor,
  encodeCursor,
  parsePageArgs,
  toConnection,
} from './connection.ts';
import { withUserErrors } from './user-errors.ts';

export type ModelFilterArgs = ModelListFilter;

/** The `models` connection: the registry's list, with cursors and its input errors as GraphQL's. */
export async function listModels(
  context: Context,
  args: ConnectionArgs,
  options: {
    filter: ModelFilterArgs | null;
    orderBy: { field: ModelSortColumn; direction: 'ASC' | 'DESC' };
  },
) {
  const page = parsePageArgs(args, decodeCursor);
  const models = await withUserErrors(
    () =>
      listModelsOf(context.db, context.viewer.orgId, {
        filter: options.filter,
        orderBy: options.orderBy,
        page,
      }),
    { 'page.after': 'after', 'page.before': 'before' },
  );
  return toConnection(
    models,
    page,
    (model, cursor) => ({ cursor, node: model }),
    (model) => encodeCursor(modelCursorKey(model, options.orderBy.field)),
  );
}
