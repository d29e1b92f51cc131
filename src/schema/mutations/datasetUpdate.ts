import { decodeIdOf } from '../../global-id.ts';
import type { Dataset } from '../../registry/dataset/dataset.ts';
import { updateDataset } from '../../registry/dataset/dataset-lifecycle.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { namedEditFields } from '../lib/named-edit-fields.ts';
import { DatasetRef } from '../objects/refs.ts';

const DatasetUpdateInput = builder.inputType('DatasetUpdateInput', {
  description:
    'What to change about a dataset; a field left out stays as it is. Only name, description and metadata are editable: the dataset’s uri, format, governance and lineage stay as they are.',
  fields: (t) => ({
    datasetId: t.id({ required: true, description: 'Global ID of the dataset.' }),
    ...namedEditFields(t, 'dataset'),
  }),
});

const DatasetUpdatePayload = builder.objectRef<{ dataset: Dataset }>('DatasetUpdatePayload');
DatasetUpdatePayload.implement({
  description: 'The dataset as it is now.',
  fields: (t) => ({
    dataset: t.field({ type: DatasetRef, description: 'The dataset.', resolve: (p) => p.dataset }),
  }),
});

const DatasetUpdateResult = mutationResult('datasetUpdate', DatasetUpdatePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('datasetUpdate', (t) =>
  t.field({
    type: DatasetUpdateResult,
    description:
      'Edits a dataset: name, description, metadata; audited as dataset.update with before and after. Nothing to change writes nothing.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: DatasetUpdateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        dataset: await idempotent(context, 'datasetUpdate', input, (claim) =>
          updateDataset(
            context.deps,
            context.viewer,
            {
              ...input,
              datasetId: decodeIdOf(input.datasetId, ['Dataset'], ['datasetId']).id,
              metadata: input.metadata as Record<string, unknown> | null | undefined,
            },
            claim,
          ),
        ),
      })),
  }),
);
