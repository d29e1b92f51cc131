import { decodeIdOf } from '../../global-id.ts';
import type { ModelVersion } from '../../registry/model/model.ts';
import { updateModelVersion } from '../../registry/model/model-version-lifecycle.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { MetadataModeEnum } from '../objects/enums.ts';
import { ModelVersionRef } from '../objects/refs.ts';

const ModelVersionUpdateInput = builder.inputType('ModelVersionUpdateInput', {
  description:
    'What to change about a model version; a field left out stays as it is. Only description and metadata are editable: the version string, its lineage at creation, its artifacts and metadata.artifact stay as created.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    versionId: t.id({ required: true, description: 'Global ID of the model version.' }),
    description: t.string({ description: 'A new description; "" or null clears it.' }),
    metadata: t.field({
      type: 'JSON',
      description:
        'A JSON object: merged into the metadata (RFC 7386: null removes a key) or replacing it, per metadataMode; null clears it. The `artifact` key (an external artifact’s uri and digest) cannot change: a patch or replacement that changes or drops it is a ValidationError on metadata.artifact.',
    }),
    metadataMode: t.field({
      type: MetadataModeEnum,
      description: 'How metadata applies (default MERGE).',
    }),
    expectedUpdatedAt: t.field({
      type: 'DateTime',
      description:
        'Optimistic concurrency: the version’s updatedAt you read. If it changed since, nothing is written and a ConflictError on this field says when.',
    }),
    reason: t.string({ description: 'Why, for the audit trail.' }),
  }),
});

const ModelVersionUpdatePayload = builder.objectRef<{ version: ModelVersion }>(
  'ModelVersionUpdatePayload',
);
ModelVersionUpdatePayload.implement({
  description: 'The version as it is now.',
  fields: (t) => ({
    version: t.field({
      type: ModelVersionRef,
      description: 'The version.',
      resolve: (p) => p.version,
    }),
  }),
});

const ModelVersionUpdateResult = mutationResult('modelVersionUpdate', ModelVersionUpdatePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('modelVersionUpdate', (t) =>
  t.field({
    type: ModelVersionUpdateResult,
    description:
      'Edits a model version’s description and metadata (merge or replace), audited with before and after; everything else about a version is immutable. A version of an archived model cannot be edited; nothing to change writes nothing.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ModelVersionUpdateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        version: await idempotent(context, 'modelVersionUpdate', input, (claim) =>
          updateModelVersion(
            context.deps,
            context.viewer,
            {
              ...input,
              versionId: decodeIdOf(input.versionId, ['ModelVersion'], ['versionId']).id,
              metadata: input.metadata as Record<string, unknown> | null | undefined,
            },
            claim,
          ),
        ),
      })),
  }),
);
