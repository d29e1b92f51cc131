// The edit datasets, deployments and experiments share: rename (names stay unique in the
// organization), description, metadata merged or replaced, optimistic concurrency on updated_at,
// in one guarded batch with its audit event, as updateModel does for models. What identifies each
// (a dataset's uri and format, a deployment's environment and the versions it serves, an
// experiment's runs) is not editable here. Error paths are relative to the caller's input.
import { type Kysely, sql } from 'kysely';
import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import { insertAuditEventWhere } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { AlreadyExistsError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { claimWritesWhere, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { nowIso } from '../ids.ts';
import { serializeJsonObject } from '../json.ts';
import { mergePatch } from '../merge-patch.ts';
import type { MetadataMode } from '../model/model-lifecycle.service.ts';
import { findOrgRowByName, findOrgRowsByIds } from '../org-rows.ts';
import { optionalText, requireName } from '../validate.ts';

/** What may change about a dataset, deployment or experiment; undefined keeps a field. */
export interface NamedUpdateInput {
  /** A new name, unique in the organization among its kind; the old one is free afterwards. */
  name?: string | null;
  /** Null or "" clears it. */
  description?: string | null;
  metadata?: Record<string, unknown> | null;
  metadataMode?: MetadataMode | null;
  /** Optimistic concurrency: refused unless the row was last changed at exactly this time. */
  expectedUpdatedAt?: Date | null;
  reason?: string | null;
}

type EditableTable = 'dataset' | 'deployment' | 'experiment';

interface EditableRow {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  metadata: string | null;
  updated_at: string;
}

type Editable = 'name' | 'description' | 'metadata';

export interface NamedUpdateSpec<R extends EditableRow, T> {
  table: EditableTable;
  kind: 'Dataset' | 'Deployment' | 'Experiment';
  /** The input field naming the row, for error paths: "datasetId". */
  idField: string;
  /** In messages: "dataset". */
  noun: string;
  toValue: (row: R) => T;
}

// Kysely cannot resolve columns on a generic table name (see org-rows.ts): the update compiles
// against a stand-in table with the columns the three tables share.
function updateEditable(db: Db, table: EditableTable) {
  return (db as unknown as Kysely<{ editable: EditableRow }>).updateTable(
    table as unknown as 'editable',
  );
}

export async function updateNamedRow<R extends EditableRow, T>(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  spec: NamedUpdateSpec<R, T>,
  id: string,
  input: NamedUpdateInput,
  claim?: IdempotencyClaim,
): Promise<T> {
  const name = input.name == null ? undefined : requireName(input.name, ['name']);
  const description =
    input.description === undefined
      ? undefined
      : optionalText(input.description === '' ? null : input.description, ['description']);
  const patch =
    input.metadata === undefined ? undefined : serializeJsonObject(input.metadata, ['metadata']);
  if (input.metadataMode && input.metadata === undefined) {
    throw new ValidationError('metadataMode needs metadata', ['metadataMode']);
  }
  const reason = optionalText(input.reason, ['reason'], 2000);

  const [row] = (await findOrgRowsByIds(deps.db, spec.table, viewer.orgId, [id])) as R[];
  if (!row) {
    throw new NotFoundError(`No ${spec.noun} with this id`, [spec.idField], id, spec.kind);
  }
  if (input.expectedUpdatedAt && input.expectedUpdatedAt.toISOString() !== row.updated_at) {
    throw new ConflictError(
      `The ${spec.noun} was changed at ${row.updated_at}, after ${input.expectedUpdatedAt.toISOString()}: read it again`,
      ['expectedUpdatedAt'],
    );
  }
  const taken = `A ${spec.noun} named "${name}" already exists`;
  if (name !== undefined && name !== row.name) {
    if (await findOrgRowByName(deps.db, spec.table, viewer.orgId, name)) {
      throw new AlreadyExistsError(taken, ['name']);
    }
  }
  const metadata =
    patch === undefined
      ? undefined
      : input.metadataMode === 'REPLACE' || patch === null
        ? patch
        : serializeJsonObject(
            mergePatch(row.metadata === null ? null : JSON.parse(row.metadata), JSON.parse(patch)),
            ['metadata'],
          );
  const changes: Partial<Pick<EditableRow, Editable>> = {};
  if (name !== undefined && name !== row.name) changes.name = name;
  if (description !== undefined && description !== row.description) {
    changes.description = description;
  }
  if (metadata !== undefined && metadata !== row.metadata) changes.metadata = metadata;
  const changed = Object.keys(changes) as Editable[];
  // Nothing to change is not an error, and writes nothing: the row as it is.
  if (changed.length === 0) return spec.toValue(row);

  const now = nowIso();
  const updated = { ...row, ...changes, updated_at: now };
  const value = spec.toValue(updated);
  const unchanged = sql<boolean>`EXISTS (SELECT 1 FROM ${sql.table(spec.table)} WHERE id = ${row.id} AND updated_at = ${row.updated_at})`;
  const pick = (source: EditableRow) =>
    Object.fromEntries(
      changed.map((column) => [
        column,
        column === 'metadata' && source.metadata !== null
          ? JSON.parse(source.metadata)
          : source[column],
      ]),
    );
  try {
    const results = await runBatch(deps.d1, [
      insertAuditEventWhere(
        deps.db,
        {
          orgId: viewer.orgId,
          actorId: viewer.userId,
          action: `${spec.table}.update`,
          subjectId: row.id,
          subjectKind: spec.kind,
          before: pick(row),
          after: pick(updated),
          reason,
        },
        unchanged,
      ),
      ...claimWritesWhere(deps.db, claim, value, unchanged),
      updateEditable(deps.db, spec.table)
        .set({ ...changes, updated_at: now })
        .where('id', '=', row.id)
        .where('updated_at', '=', row.updated_at),
    ]);
    if (results[0]?.meta.changes === 0) {
      throw new ConflictError(
        `The ${spec.noun} was changed by another request meanwhile: read it again`,
        [spec.idField],
      );
    }
  } catch (error) {
    if (
      String(error).includes(`UNIQUE constraint failed: ${spec.table}.org_id, ${spec.table}.name`)
    ) {
      throw new AlreadyExistsError(taken, ['name']);
    }
    throw error;
  }
  return value;
}
