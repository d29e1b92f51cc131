import { decodeIdOf } from '../../global-id.ts';
import type { ModelVersion } from '../../registry/model/model.ts';
import { setModelVersionArchived } from '../../registry/model/model-version-lifecycle.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ModelVersionRef } from '../objects/refs.ts';

const ModelVersionRestoreInput = builder.inputType('ModelVersionRestoreInput', {
  description: 'The version to restore.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    versionId: t.id({ required: true, description: 'Global ID of the model version.' }),
    expectedUpdatedAt: t.field({
      type: 'DateTime',
      description:
        'Optimistic concurrency: the version’s updatedAt you read (see modelVersionUpdate).',
    }),
    reason: t.string({ description: 'Why, for the audit trail.' }),
  }),
});

const ModelVersionRestorePayload = builder.objectRef<{ version: ModelVersion }>(
  'ModelVersionRestorePayload',
);
ModelVersionRestorePayload.implement({
  description: 'The version as it is now.',
  fields: (t) => ({
    version: t.field({
      type: ModelVersionRef,
      description: 'The version.',
      resolve: (p) => p.version,
    }),
  }),
});

const ModelVersionRestoreResult = mutationResult(
  'modelVersionRestore',
  ModelVersionRestorePayload,
  [...COMMON_ERRORS],
);

builder.mutationField('modelVersionRestore', (t) =>
  t.field({
    type: ModelVersionRestoreResult,
    description:
      'Restores an archived model version to ACTIVE: listed, searchable and promotable again. Refused while its model is archived (restore the model first). Audited.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ModelVersionRestoreInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        version: await idempotent(context, 'modelVersionRestore', input, (claim) =>
          setModelVersionArchived(
            context.deps,
            context.viewer,
            {
              versionId: decodeIdOf(input.versionId, ['ModelVersion'], ['versionId']).id,
              archived: false,
              reason: input.reason,
              expectedUpdatedAt: input.expectedUpdatedAt,
            },
            claim,
          ),
        ),
      })),
  }),
);
