import { decodeIdOf } from '../../global-id.ts';
import { deleteDataset } from '../../registry/deletion/deletion.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { deletionPayload } from '../objects/Deletion.ts';

const DatasetDeletePayload = deletionPayload('DatasetDeletePayload');

const DatasetDeleteInput = builder.inputType('DatasetDeleteInput', {
  description: 'The dataset to delete.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    datasetId: t.id({ required: true, description: 'Global ID of the dataset.' }),
    reason: t.string({ description: 'Why, for the audit trail.' }),
  }),
});

const DatasetDeleteResult = mutationResult('datasetDelete', DatasetDeletePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('datasetDelete', (t) =>
  t.field({
    type: DatasetDeleteResult,
    description:
      'Deletes a dataset: refused (ConflictError listing them) while live versions, neither archived nor deleted, are trained on it. Its lineage edges end and its name is free again; its GDPR declarations and the audit trail stay.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: DatasetDeleteInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        idempotent(context, 'datasetDelete', input, (claim) =>
          deleteDataset(
            context.deps,
            context.viewer,
            {
              datasetId: decodeIdOf(input.datasetId, ['Dataset'], ['datasetId']).id,
              reason: input.reason,
            },
            claim,
          ),
        ),
      ),
  }),
);
