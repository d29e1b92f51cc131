import { decodeIdOf } from '../../global-id.ts';
import {
  type DatasetGovernanceChange,
  setDatasetGovernance,
} from '../../registry/governance/dataset-governance.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { DatasetGovernanceInput, DatasetGovernanceRef } from '../objects/DatasetGovernance.ts';
import { DatasetRef } from '../objects/refs.ts';

const DatasetGovernanceSetInput = builder.inputType('DatasetGovernanceSetInput', {
  description: 'The GDPR declaration of an existing dataset, replacing any earlier one whole.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    datasetId: t.id({ required: true, description: 'Global ID of the dataset.' }),
    governance: t.field({
      type: DatasetGovernanceInput,
      required: true,
      description:
        'Personal data, lawful basis, retention, columns: as for datasetRegister. Omitted fields are cleared.',
    }),
    reason: t.string({ description: 'Why, for the audit trail (up to 2,000 characters).' }),
  }),
});

const DatasetGovernanceSetPayload = builder
  .objectRef<DatasetGovernanceChange>('DatasetGovernanceSetPayload')
  .implement({
    description: 'The dataset with its declaration now in force, and the one it replaced.',
    fields: (t) => ({
      dataset: t.field({
        type: DatasetRef,
        description: 'The dataset.',
        resolve: (p) => p.dataset,
      }),
      governance: t.field({
        type: DatasetGovernanceRef,
        description: 'The declaration now in force.',
        resolve: (p) => p.governance,
      }),
      previousGovernance: t.field({
        type: DatasetGovernanceRef,
        nullable: true,
        description: 'The declaration it replaced; null when the dataset had none.',
        resolve: (p) => p.previous,
      }),
    }),
  });

const DatasetGovernanceSetResult = mutationResult(
  'datasetGovernanceSet',
  DatasetGovernanceSetPayload,
  [...COMMON_ERRORS],
);

builder.mutationField('datasetGovernanceSet', (t) =>
  t.field({
    type: DatasetGovernanceSetResult,
    description:
      'Declares or changes the GDPR facts of an existing dataset (audited with before and after). Later GDPR checks read the new declaration.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: DatasetGovernanceSetInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        idempotent(context, 'datasetGovernanceSet', input, (claim) =>
          setDatasetGovernance(
            context.deps,
            context.viewer,
            {
              datasetId: decodeIdOf(input.datasetId, ['Dataset'], ['datasetId']).id,
              governance: input.governance,
              reason: input.reason,
            },
            claim,
          ),
        ),
      ),
  }),
);
