import type { ROLES } from '../../auth/viewer.ts';
import { EDGE_TYPES, NODE_KINDS } from '../../registry/lineage/lineage.ts';
import type { MODEL_STATUSES } from '../../registry/model/model.ts';
import { builder } from '../builder.ts';

const EDGE_TYPE_DESCRIPTIONS: Record<(typeof EDGE_TYPES)[number], string> = {
  TRAINED_ON:
    'ModelVersion | Run -> Dataset: the version was trained on the dataset (a run: its training input).',
  DERIVED_FROM:
    'ModelVersion -> ModelVersion | Experiment | Run, Dataset -> Dataset: fine-tuned, distilled or produced from (a run: the version came out of it). Acyclic.',
  DEPLOYED_TO: 'ModelVersion -> Deployment: the version serves traffic in the deployment.',
  REPLACED_BY: 'Model -> Model, ModelVersion -> ModelVersion: superseded by. Acyclic.',
  EVALUATED_ON:
    'ModelVersion | Run -> Dataset: the version was evaluated on the dataset (a run: its evaluation input).',
  APPROVED_BY: 'ModelVersion -> User: a reviewer approved the version (written by approvals).',
};

export const EdgeTypeEnum = builder.enumType('EdgeType', {
  description: 'The type of a directed edge of the registry graph.',
  values: Object.fromEntries(
    EDGE_TYPES.map((type) => [type, { value: type, description: EDGE_TYPE_DESCRIPTIONS[type] }]),
  ) as Record<
    (typeof EDGE_TYPES)[number],
    { value: (typeof EDGE_TYPES)[number]; description: string }
  >,
});

export const NodeKindEnum = builder.enumType('NodeKind', {
  description: 'The kind of a node that can take part in lineage.',
  values: Object.fromEntries(
    NODE_KINDS.map((kind) => [
      kind.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(),
      { value: kind, description: `A ${kind}.` },
    ]),
  ),
});

export const ModelStatusEnum = builder.enumType('ModelStatus', {
  description: 'Where a registered model is in its life.',
  values: {
    ACTIVE: { value: 'ACTIVE', description: 'In use; new versions may be added.' },
    DEPRECATED: { value: 'DEPRECATED', description: 'Replaced or retired; kept for lineage.' },
    ARCHIVED: {
      value: 'ARCHIVED',
      description:
        'Retired (modelArchive): left out of models and search unless asked for, readable by id, never promoted, not editable until modelRestore; kept for lineage and audit.',
    },
  } satisfies Record<(typeof MODEL_STATUSES)[number], unknown>,
});

export const ModelVersionStatusEnum = builder.enumType('ModelVersionStatus', {
  description: 'Whether a model version is in use or archived.',
  values: {
    ACTIVE: { value: 'ACTIVE', description: 'Listed, searchable and promotable.' },
    ARCHIVED: {
      value: 'ARCHIVED',
      description:
        'Hidden from Model.versions (unless includeArchived) and from search, still readable by id; never promoted or given an alias, not editable (modelVersionRestore brings it back).',
    },
  },
});

export const MetadataModeEnum = builder.enumType('MetadataMode', {
  description: 'How an edit’s metadata applies to what is stored.',
  values: {
    MERGE: {
      value: 'MERGE',
      description: 'JSON Merge Patch (RFC 7386): keys set, a null removes a key, objects merge.',
    },
    REPLACE: { value: 'REPLACE', description: 'The given object replaces the metadata.' },
  } as const,
});

export const RoleEnum = builder.enumType('Role', {
  description: 'What a user may do in their organization.',
  values: {
    VIEWER: { value: 'VIEWER', description: 'Reads everything in the organization.' },
    EDITOR: {
      value: 'EDITOR',
      description: 'Also registers and changes models, datasets, lineage.',
    },
    REVIEWER: { value: 'REVIEWER', description: 'Also reviews approval requests.' },
    ADMIN: { value: 'ADMIN', description: 'Everything, including users and tokens.' },
  } satisfies Record<(typeof ROLES)[number], unknown>,
});

export const SortDirectionEnum = builder.enumType('SortDirection', {
  description: 'Sort order.',
  values: {
    ASC: { value: 'ASC', description: 'Smallest first.' },
    DESC: { value: 'DESC', description: 'Largest first.' },
  },
});
