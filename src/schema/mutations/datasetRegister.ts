import { registerDataset } from '../../registry/dataset/dataset.service.ts';
import type { Dataset } from '../../registry/dataset/dataset.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { DatasetGovernanceInput } from '../objects/DatasetGovernance.ts';
import { DatasetRef } from '../objects/refs.ts';

const DatasetRegisterInput = builder.inputType('DatasetRegisterInput', {
  description: 'A new dataset.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    name: t.string({ required: true, description: 'Unique within your organization.' }),
    description: t.string({ description: 'Free text.' }),
    uri: t.string({ description: 'Where the data lives.' }),
    format: t.string({ description: 'Storage format (parquet, jsonl, csv...).' }),
    metadata: t.field({ type: 'JSON', description: 'A JSON object up to 64 KiB.' }),
    governance: t.field({
      type: DatasetGovernanceInput,
      description: 'GDPR declarations: personal data, lawful basis, retention, columns.',
    }),
  }),
});

const DatasetRegisterPayload = builder.objectRef<{ dataset: Dataset }>('DatasetRegisterPayload');
DatasetRegisterPayload.implement({
  description: 'The registered dataset.',
  fields: (t) => ({
    dataset: t.field({
      type: DatasetRef,
      description: 'The new dataset.',
      resolve: (p) => p.dataset,
    }),
  }),
});

const DatasetRegisterResult = mutationResult('datasetRegister', DatasetRegisterPayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('datasetRegister', (t) =>
  t.field({
    type: DatasetRegisterResult,
    description: 'Registers a dataset.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: DatasetRegisterInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        dataset: await idempotent(context, 'datasetRegister', input, (claim) =>
          registerDataset(context.deps, context.viewer, input, claim),
        ),
      })),
  }),
);
