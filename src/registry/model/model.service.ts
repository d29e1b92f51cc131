import type { RawBuilder } from 'kysely';
import type { Viewer } from '../../auth/viewer.ts';
import { type BatchQuery, runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import { insertAuditEvent, insertAuditEventWhere } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { AlreadyExistsError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import {
  claimWrites,
  claimWritesWhere,
  type IdempotencyClaim,
} from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { serializeJsonObject } from '../json.ts';
import { findLiveOutgoing } from '../lineage/lineage.repository.ts';
import {
  checkEdgeShape,
  type EdgeAddInput,
  edgeRow,
  requireNodes,
  writeEdges,
} from '../lineage/lineage.service.ts';
import { optionalText, requireName } from '../validate.ts';
import {
  aliasPointsAt,
  findAliasesByModelIds,
  findModelsByIds,
  findModelsByNames,
  findVersionByModelAndVersion,
  findVersionForModel,
  findVersionsByIds,
  insertModel,
  insertModelVersion,
  type ModelKey,
  searchModels,
  touchModel,
  updateModelStatus,
  upsertAlias,
} from './model.repository.ts';
import {
  ALIAS_PATTERN,
  type Model,
  type ModelSortColumn,
  type ModelStatus,
  type ModelVersion,
  PRODUCTION_ALIAS,
  SEMVER_PATTERN,
  toModel,
  toModelVersion,
} from './model.ts';

export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 64;
/** Cap on the datasets or parents given in one modelVersionCreate, to keep one batch bounded. */
export const MAX_LINKS_PER_VERSION = 100;

export const DESCRIPTOR_MAX = 100;

export interface ModelRegisterInput {
  name: string;
  description?: string | null;
  tags?: readonly string[] | null;
  metadata?: unknown;
  provider?: string | null;
  framework?: string | null;
  modelType?: string | null;
}

export async function registerModel(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: ModelRegisterInput,
  claim?: IdempotencyClaim,
  /** More statements for the model's batch (MLflow's key/value tags). */
  more: (model: Model) => BatchQuery[] = () => [],
): Promise<Model> {
  const name = requireName(input.name, ['name']);
  const description = optionalText(input.description, ['description']);
  const metadataText = serializeJsonObject(input.metadata, ['metadata']);
  const metadata = (metadataText ? JSON.parse(metadataText) : {}) as Record<string, unknown>;
  // The seed's clients put framework, provider, model_type and tags inside metadata; explicit
  // input fields win, metadata fills the gaps, and both end up in indexed columns.
  const tags = normalizeTags(
    input.tags ?? metadataTags(metadata),
    input.tags ? ['tags'] : ['metadata', 'tags'],
  );
  const provider = descriptor(input.provider ?? metadata.provider, ['provider']);
  const framework = descriptor(input.framework ?? metadata.framework, ['framework']);
  const modelType = descriptor(input.modelType ?? metadata.model_type, ['modelType']);

  const [existing] = await findModelsByNames(deps.db, viewer.orgId, [name]);
  if (existing) throw new AlreadyExistsError(`A model named "${name}" already exists`, ['name']);

  const now = nowIso();
  const row = {
    id: newId(),
    org_id: viewer.orgId,
    name,
    description,
    tags: JSON.stringify(tags),
    metadata: metadataText,
    provider,
    framework,
    model_type: modelType,
    status: 'ACTIVE',
    created_at: now,
    created_by: viewer.userId,
    updated_at: now,
  };
  const model = toModel(row);
  try {
    await runBatch(deps.d1, [
      ...claimWrites(deps.db, claim, model),
      insertModel(deps.db, row),
      insertAuditEvent(deps.db, {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'model.register',
        subjectId: row.id,
        subjectKind: 'Model',
        after: { name, provider, framework, modelType, tags },
      }),
      ...more(model),
    ]);
  } catch (error) {
    if (String(error).includes('UNIQUE constraint failed: model.org_id, model.name')) {
      throw new AlreadyExistsError(`A model named "${name}" already exists`, ['name']);
    }
    throw error;
  }
  return model;
}

export interface DatasetLinkInput {
  datasetId: string;
  properties?: unknown;
}

export interface ModelVersionCreateInput {
  modelId: string;
  version: string;
  description?: string | null;
  metadata?: unknown;
  derivedFrom?: readonly string[] | null;
  trainedOn?: readonly DatasetLinkInput[] | null;
  evaluatedOn?: readonly DatasetLinkInput[] | null;
  /** The experiment run the version came out of: a DERIVED_FROM edge to it. */
  runId?: string | null;
  /** Where the version's files came from (MLflow's source), up to 2,048 characters. */
  source?: string | null;
  /** Versions are semantic versions; MLflow's registry numbers them 1, 2, 3... */
  scheme?: 'semver' | 'integer';
}

const INTEGER_VERSION = /^[1-9]\d{0,15}$/;

/**
 * Creates an immutable version with its lineage (derivedFrom parents, trainedOn and evaluatedOn
 * datasets with edge properties) in one batch: the version never exists without its edges.
 */
/**
 * More for a version's batch, decided once the version is known to be valid (see
 * createVersionInProduction): statements to add, and a condition the version's insert needs.
 */
export interface VersionBatchExtra {
  onlyIf: RawBuilder<boolean>;
  statements: (version: ModelVersion, now: string) => BatchQuery[];
}

export async function createModelVersion(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: ModelVersionCreateInput,
  claim?: IdempotencyClaim,
  extra?: (model: Model) => Promise<VersionBatchExtra>,
): Promise<ModelVersion> {
  const version = requireName(
    input.version,
    ['version'],
    input.scheme === 'integer'
      ? { max: 16, pattern: INTEGER_VERSION, patternHint: 'Must be a whole number from 1' }
      : {
          max: 128,
          pattern: SEMVER_PATTERN,
          patternHint: 'Must be a semantic version such as 1.2.0 or 2.0.0-rc.1 (semver.org)',
        },
  );
  const description = optionalText(input.description, ['description']);
  const metadata = serializeJsonObject(input.metadata, ['metadata']);
  const derivedFrom = input.derivedFrom ?? [];
  const trainedOn = input.trainedOn ?? [];
  const evaluatedOn = input.evaluatedOn ?? [];
  for (const [field, list] of [
    ['derivedFrom', derivedFrom],
    ['trainedOn', trainedOn],
    ['evaluatedOn', evaluatedOn],
  ] as const) {
    if (list.length > MAX_LINKS_PER_VERSION) {
      throw new ValidationError(`At most ${MAX_LINKS_PER_VERSION} entries`, [field]);
    }
  }

  const id = newId();
  const versionRef = { kind: 'ModelVersion' as const, id };
  const links: {
    edge: EdgeAddInput;
    path: readonly string[];
    propertiesPath: readonly string[];
  }[] = [
    ...derivedFrom.map((parentId, index) => ({
      edge: {
        type: 'DERIVED_FROM' as const,
        from: versionRef,
        to: { kind: 'ModelVersion' as const, id: parentId },
      },
      path: ['derivedFrom', String(index)],
      propertiesPath: ['derivedFrom', String(index)],
    })),
    ...datasetLinks('TRAINED_ON', 'trainedOn', trainedOn, versionRef),
    ...datasetLinks('EVALUATED_ON', 'evaluatedOn', evaluatedOn, versionRef),
    ...(input.runId
      ? [
          {
            edge: {
              type: 'DERIVED_FROM' as const,
              from: versionRef,
              to: { kind: 'Run' as const, id: input.runId },
            },
            path: ['runId'],
            propertiesPath: ['runId'],
          },
        ]
      : []),
  ];
  const source = optionalText(input.source, ['source'], 2048);
  const seen = new Set<string>();
  const edgeProperties = links.map(({ edge, path, propertiesPath }) => {
    const key = `${edge.type}:${edge.to.id}`;
    if (seen.has(key)) throw new ValidationError('Listed twice', path);
    seen.add(key);
    return checkEdgeShape(edge, {
      type: path,
      from: ['modelId'],
      to: path,
      properties: propertiesPath,
    });
  });

  const [model] = await findModelsByIds(deps.db, viewer.orgId, [input.modelId]);
  if (!model) {
    throw new NotFoundError('No model with this id', ['modelId'], input.modelId, 'Model');
  }
  if (await findVersionByModelAndVersion(deps.db, viewer.orgId, model.id, version)) {
    throw new AlreadyExistsError(`Version ${version} of "${model.name}" already exists`, [
      'version',
    ]);
  }
  await requireNodes(
    deps.db,
    viewer.orgId,
    links.map(({ edge, path }) => ({ ref: edge.to, path })),
  );
  const more = await extra?.(toModel(model));

  const now = nowIso();
  const row = {
    id,
    org_id: viewer.orgId,
    model_id: model.id,
    version,
    description,
    metadata,
    created_at: now,
    created_by: viewer.userId,
    updated_at: now,
    status: 'ACTIVE',
    run_id: input.runId ?? null,
    source,
  };
  const edges = links.map(({ edge }, index) =>
    edgeRow(viewer, edge, edgeProperties[index] ?? null, now),
  );
  const modelVersion = toModelVersion(row);
  try {
    await writeEdges(
      deps,
      edges,
      [
        {
          orgId: viewer.orgId,
          actorId: viewer.userId,
          action: 'modelVersion.create',
          subjectId: id,
          subjectKind: 'ModelVersion',
          after: {
            modelId: model.id,
            version,
            derivedFrom,
            trainedOn: trainedOn.map((link) => link.datasetId),
            evaluatedOn: evaluatedOn.map((link) => link.datasetId),
            ...(input.runId ? { runId: input.runId } : {}),
          },
        },
      ],
      { type: [], from: ['modelId'], to: [], properties: [] },
      [
        ...claimWrites(deps.db, claim, modelVersion),
        insertModelVersion(deps.db, row, more?.onlyIf),
        touchModel(deps.db, model.id, now),
        ...(more?.statements(modelVersion, now) ?? []),
      ],
    );
  } catch (error) {
    if (
      String(error).includes(
        'UNIQUE constraint failed: model_version.model_id, model_version.version',
      )
    ) {
      throw new AlreadyExistsError(`Version ${version} of "${model.name}" already exists`, [
        'version',
      ]);
    }
    throw error;
  }
  return modelVersion;
}

function datasetLinks(
  type: 'TRAINED_ON' | 'EVALUATED_ON',
  field: string,
  links: readonly DatasetLinkInput[],
  versionRef: { kind: 'ModelVersion'; id: string },
) {
  return links.map((link, index) => ({
    edge: {
      type,
      from: versionRef,
      to: { kind: 'Dataset' as const, id: link.datasetId },
      properties: link.properties,
    },
    path: [field, String(index), 'datasetId'],
    propertiesPath: [field, String(index), 'properties'],
  }));
}

export interface AliasMove {
  model: Model;
  version: ModelVersion;
  previousVersionId: string | null;
}

export function setModelAlias(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: { versionId: string; alias: string; reason?: string | null },
  claim?: IdempotencyClaim,
): Promise<AliasMove> {
  const alias = requireName(input.alias, ['alias'], {
    max: 64,
    pattern: ALIAS_PATTERN,
    patternHint: 'Must be lowercase letters, digits, "-" or "_", starting with a letter',
  });
  if (alias === PRODUCTION_ALIAS) {
    throw new ValidationError(
      'The production alias is moved only by modelVersionPromote, which applies the promotion policy',
      ['alias'],
    );
  }
  return moveAlias(deps, viewer, { ...input, alias, action: 'model.aliasSet', claim });
}

/** Moves an alias (production or any other) to a version, audited, in one guarded batch. */
export async function moveAlias(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: {
    versionId: string;
    alias: string;
    reason?: string | null;
    action: string;
    auditAfter?: Record<string, unknown>;
    /** Stored only if the move is (guarded like it). */
    claim?: IdempotencyClaim;
  },
): Promise<AliasMove> {
  const reason = optionalText(input.reason, ['reason'], 2000);
  const [versionRow] = await findVersionsByIds(deps.db, viewer.orgId, [input.versionId]);
  if (!versionRow) {
    throw new NotFoundError(
      'No model version with this id',
      ['versionId'],
      input.versionId,
      'ModelVersion',
    );
  }
  const [modelRow] = await findModelsByIds(deps.db, viewer.orgId, [versionRow.model_id]);
  if (!modelRow) throw new NotFoundError('The version has no model', ['versionId']);
  if (modelRow.status === 'ARCHIVED') {
    throw new ConflictError(
      `"${modelRow.name}" is archived: restore it before moving its aliases`,
      ['versionId'],
    );
  }
  if (versionRow.status === 'ARCHIVED') {
    throw new ConflictError(
      `Version ${versionRow.version} of "${modelRow.name}" is archived: restore it before giving it an alias`,
      ['versionId'],
    );
  }
  const [current] = await findAliasesByModelIds(deps.db, viewer.orgId, [modelRow.id], input.alias);
  if (current?.version_id === versionRow.id) {
    throw new ConflictError(
      `Version ${versionRow.version} already has the alias "${input.alias}"`,
      ['versionId'],
    );
  }
  const previousVersionId = current?.version_id ?? null;
  const now = nowIso();
  const move: AliasMove = {
    model: toModel({ ...modelRow, updated_at: now }),
    version: toModelVersion(versionRow),
    previousVersionId,
  };
  const results = await runBatch(
    deps.d1,
    aliasMoveStatements(deps.db, viewer, {
      modelId: modelRow.id,
      alias: input.alias,
      version: versionRow,
      previousVersionId,
      action: input.action,
      reason,
      auditAfter: input.auditAfter,
      now,
      alsoGuarded: (unmoved) => claimWritesWhere(deps.db, input.claim, move, unmoved),
    }),
  );
  if (results[0]?.meta.changes === 0) {
    throw new ConflictError(
      `The alias "${input.alias}" was moved by another request meanwhile; read it and try again`,
      ['versionId'],
    );
  }
  return move;
}

/** Marks a model replaced by another (a REPLACED_BY edge) and deprecates it, in one batch. */
export async function replaceModel(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: { modelId: string; replacedById: string; reason?: string | null },
  claim?: IdempotencyClaim,
): Promise<{ model: Model; replacement: Model }> {
  const reason = optionalText(input.reason, ['reason'], 2000);
  if (input.modelId === input.replacedById) {
    throw new ValidationError('A model cannot replace itself', ['replacedById']);
  }
  const rows = await findModelsByIds(deps.db, viewer.orgId, [input.modelId, input.replacedById]);
  const model = rows.find((row) => row.id === input.modelId);
  const replacement = rows.find((row) => row.id === input.replacedById);
  if (!model) {
    throw new NotFoundError('No model with this id', ['modelId'], input.modelId, 'Model');
  }
  if (!replacement) {
    throw new NotFoundError('No model with this id', ['replacedById'], input.replacedById, 'Model');
  }
  if (await findLiveOutgoing(deps.db, viewer.orgId, 'REPLACED_BY', model.id)) {
    throw new ConflictError(`"${model.name}" is already replaced`, ['modelId']);
  }
  const now = nowIso();
  const replaced = {
    model: toModel({ ...model, status: 'DEPRECATED', updated_at: now }),
    replacement: toModel(replacement),
  };
  const edge = edgeRow(
    viewer,
    {
      type: 'REPLACED_BY',
      from: { kind: 'Model', id: model.id },
      to: { kind: 'Model', id: replacement.id },
    },
    reason === null ? null : JSON.stringify({ reason }),
    now,
  );
  await writeEdges(
    deps,
    [edge],
    [
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'model.replace',
        subjectId: model.id,
        subjectKind: 'Model',
        before: { status: model.status, replacedById: null },
        after: { status: 'DEPRECATED', replacedById: replacement.id },
        reason,
      },
    ],
    {
      type: [],
      from: ['modelId'],
      to: ['replacedById'],
      properties: ['reason'],
    },
    [
      ...claimWrites(deps.db, claim, replaced),
      updateModelStatus(deps.db, model.id, 'DEPRECATED', now),
    ],
  );
  return replaced;
}

function metadataTags(metadata: Record<string, unknown>): readonly string[] {
  const tags = metadata.tags;
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) {
    throw new ValidationError('Must be a list of strings', ['metadata', 'tags']);
  }
  return tags as string[];
}

export function normalizeTags(tags: readonly string[], path: readonly string[]): string[] {
  if (tags.length > MAX_TAGS) throw new ValidationError(`At most ${MAX_TAGS} tags`, path);
  const normalized = new Set<string>();
  tags.forEach((tag, index) => {
    normalized.add(requireName(tag, [...path, String(index)], { max: MAX_TAG_LENGTH }));
  });
  return [...normalized];
}

function descriptor(value: unknown, path: readonly string[]): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ValidationError('Must be a string', path);
  return requireName(value, path, { max: DESCRIPTOR_MAX });
}

const UNARCHIVED: readonly ModelStatus[] = ['ACTIVE', 'DEPRECATED'];

/** Values one filter list of the models list may hold (each becomes a json_each key list). */
export const MAX_FILTER_VALUES = 100;

export interface ModelListFilter {
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

export interface ModelListRequest {
  filter: ModelListFilter | null;
  orderBy: { field: ModelSortColumn; direction: 'ASC' | 'DESC' };
  /** `after`/`before` are cursor keys (see modelCursorKey), already taken out of their cursors. */
  page: { after: string | null; before: string | null; limit: number; inverted: boolean };
}

/** The sort key of a model in a list sorted by `column`: what a cursor of that list carries. */
export function modelCursorKey(model: Model, column: ModelSortColumn): string {
  const value =
    column === 'name'
      ? model.name
      : (column === 'created_at' ? model.createdAt : model.updatedAt).toISOString();
  return JSON.stringify([column, value, model.id]);
}

/**
 * The models list of an organization: validates the filter and the cursor keys, then reads one
 * page (`page.limit` rows, so ask for one more than the page size to learn whether more follow).
 * Error paths are relative to the request (`filter.tagsAll`, `page.after`); the messages do not
 * name the field, so that each API can rename the path to its own parameter.
 */
export async function listModels(
  db: Db,
  orgId: string,
  request: ModelListRequest,
): Promise<Model[]> {
  const filter = request.filter ?? {};
  const column = request.orderBy.field;
  const list = (values: readonly string[] | null | undefined, name: string) => {
    if (values === null || values === undefined) return null;
    if (values.length > MAX_FILTER_VALUES) {
      throw new ValidationError(`Takes at most ${MAX_FILTER_VALUES} values`, ['filter', name]);
    }
    return values;
  };
  const toKey = (raw: string | null, argument: 'after' | 'before'): ModelKey | null => {
    if (raw === null) return null;
    try {
      const [cursorColumn, value, id] = JSON.parse(raw) as [string, string, string];
      if (cursorColumn === column && typeof value === 'string' && typeof id === 'string') {
        return { value, id };
      }
    } catch {
      // fall through
    }
    throw new ValidationError('Not a cursor of this list and sort order', ['page', argument]);
  };
  if (filter.text && filter.text.length > 200) {
    throw new ValidationError('Must be at most 200 characters', ['filter', 'text']);
  }
  const rows = await searchModels(
    db,
    orgId,
    {
      tagsAny: list(filter.tagsAny, 'tagsAny'),
      tagsAll: list(filter.tagsAll, 'tagsAll'),
      // Archived models are left out unless asked for by status.
      statuses: list(filter.status, 'status') ?? UNARCHIVED,
      providers: list(filter.provider, 'provider'),
      frameworks: list(filter.framework, 'framework'),
      modelTypes: list(filter.modelType, 'modelType'),
      text: filter.text?.trim() || null,
      createdAfter: filter.createdAfter?.toISOString() ?? null,
      createdBefore: filter.createdBefore?.toISOString() ?? null,
    },
    { column, descending: request.orderBy.direction === 'DESC' },
    {
      after: toKey(request.page.after, 'after'),
      before: toKey(request.page.before, 'before'),
      limit: request.page.limit,
      inverted: request.page.inverted,
    },
  );
  return rows.map(toModel);
}

/**
 * The statements that move an alias, audited: the audit event first (its `changes` tells whether
 * the move happened), then any `alsoGuarded` statements (another audit row of the same decision,
 * the idempotency key row),
 * the model's updated_at and the alias itself. Compare-and-set: every statement applies only if
 * the alias still points where it did when read, so the audit's "before" is true even when two
 * moves race; the guarded statements come before the move, which would falsify the guard. Run them
 * as one batch (one transaction).
 */
export function aliasMoveStatements(
  db: Db,
  viewer: Viewer,
  move: {
    modelId: string;
    alias: string;
    version: { id: string; version: string };
    previousVersionId: string | null;
    action: string;
    reason: string | null;
    auditAfter?: Record<string, unknown>;
    now: string;
    alsoGuarded?: (unmoved: ReturnType<typeof aliasPointsAt>) => BatchQuery[];
  },
): BatchQuery[] {
  const unmoved = aliasPointsAt(move.modelId, move.alias, move.previousVersionId);
  return [
    insertAuditEventWhere(
      db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: move.action,
        subjectId: move.modelId,
        subjectKind: 'Model',
        before: { alias: move.alias, versionId: move.previousVersionId },
        after: {
          alias: move.alias,
          versionId: move.version.id,
          version: move.version.version,
          ...move.auditAfter,
        },
        reason: move.reason,
      },
      unmoved,
    ),
    ...(move.alsoGuarded?.(unmoved) ?? []),
    touchModel(db, move.modelId, move.now, unmoved),
    upsertAlias(
      db,
      {
        model_id: move.modelId,
        name: move.alias,
        version_id: move.version.id,
        org_id: viewer.orgId,
        updated_at: move.now,
        updated_by: viewer.userId,
      },
      move.previousVersionId,
    ),
  ];
}

/** How a request that names only a model chose the version it acts on. */
export type VersionRule = 'PRODUCTION' | 'LATEST';

export interface ResolvedVersion {
  version: ModelVersion;
  rule: VersionRule;
}

/**
 * The version a request naming only a model (as the seed's REST bodies do) acts on: the one in
 * production, else the newest. NotFoundError for an unknown model, ConflictError for a model
 * without versions.
 */
export async function resolveVersionOfModel(
  db: Db,
  orgId: string,
  input: { modelId: string },
): Promise<ResolvedVersion> {
  const row = await findVersionForModel(db, orgId, input.modelId);
  if (row) {
    const { is_production, ...version } = row;
    return { version: toModelVersion(version), rule: is_production ? 'PRODUCTION' : 'LATEST' };
  }
  const [model] = await findModelsByIds(db, orgId, [input.modelId]);
  if (!model) {
    throw new NotFoundError('No model with this id', ['modelId'], input.modelId, 'Model');
  }
  throw new ConflictError(
    `"${model.name}" has no version yet: create one, or name a version instead of the model`,
    ['modelId'],
  );
}
