import { decodeIdOf } from '../../global-id.ts';
import type { ModelVersion } from '../../registry/model/model.ts';
import { setModelVersionArchived } from '../../registry/model/model-version-lifecycle.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ModelVersionRef } from '../objects/refs.ts';

const ModelVersionArchiveInput = builder.inputType('ModelVersionArchiveInput', {
  description: 'The version to archive.',
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

const ModelVersionArchivePayload = builder.objectRef<{ version: ModelVersion }>(
  'ModelVersionArchivePayload',
);
ModelVersionArchivePayload.implement({
  description: 'The version as it is now.',
  fields: (t) => ({
    version: t.field({
      type: ModelVersionRef,
      description: 'The version.',
      resolve: (p) => p.version,
    }),
  }),
});

const ModelVersionArchiveResult = mutationResult(
  'modelVersionArchive',
  ModelVersionArchivePayload,
  [...COMMON_ERRORS],
);

builder.mutationField('modelVersionArchive', (t) =>
  t.field({
    type: ModelVersionArchiveResult,
    description:
      'Archives a model version: hidden from Model.versions (unless includeArchived), REST version lists and search, still readable by id and node(id), never promoted or given an alias, not editable. Refused while it is in production or deployed (the ConflictError names what holds it) and while its model is archived. Audited.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ModelVersionArchiveInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        version: await idempotent(context, 'modelVersionArchive', input, (claim) =>
          setModelVersionArchived(
            context.deps,
            context.viewer,
            {
              versionId: decodeIdOf(input.versionId, ['ModelVersion'], ['versionId']).id,
              archived: true,
              reason: input.reason,
              expectedUpdatedAt: input.expectedUpdatedAt,
            },
            claim,
          ),
        ),
      })),
  }),
);
