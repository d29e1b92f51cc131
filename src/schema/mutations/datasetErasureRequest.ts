import { decodeIdOf } from '../../global-id.ts';
import {
  type ErasureWorkList,
  requestDatasetErasure,
} from '../../registry/governance/dataset-governance.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ErasureRequestRef } from '../objects/DatasetGovernance.ts';
import { DeploymentRef, ModelRef, ModelVersionRef } from '../objects/refs.ts';

const DatasetErasureRequestInput = builder.inputType('DatasetErasureRequestInput', {
  description: 'A right-to-be-forgotten request against a dataset.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    datasetId: t.id({ required: true, description: 'Global ID of the dataset.' }),
    reason: t.string({ description: 'Why, for the audit trail (up to 2,000 characters).' }),
  }),
});

const DatasetErasureRequestPayload = builder
  .objectRef<ErasureWorkList>('DatasetErasureRequestPayload')
  .implement({
    description: 'The request and its work list: everything trained on the data, at any depth.',
    fields: (t) => ({
      erasureRequest: t.field({
        type: ErasureRequestRef,
        description: 'The request.',
        resolve: (p) => p.erasureRequest,
      }),
      affectedModelVersions: t.field({
        type: [ModelVersionRef],
        description: 'Versions trained, evaluated or derived from the data: to retrain or retire.',
        resolve: (p) => p.affectedVersionIds,
      }),
      affectedModels: t.field({
        type: [ModelRef],
        description: 'Their models.',
        resolve: (p) => p.affectedModelIds,
      }),
      affectedDeployments: t.field({
        type: [DeploymentRef],
        description: 'Deployments serving an affected version, production first.',
        resolve: (p) => p.affectedDeploymentIds,
      }),
      isTruncated: t.exposeBoolean('isTruncated', {
        description: 'True when the lineage was too large to walk whole: the list is incomplete.',
      }),
    }),
  });

const DatasetErasureRequestResult = mutationResult(
  'datasetErasureRequest',
  DatasetErasureRequestPayload,
  [...COMMON_ERRORS],
);

builder.mutationField('datasetErasureRequest', (t) =>
  t.field({
    type: DatasetErasureRequestResult,
    description:
      'Marks a dataset as under erasure (its dependants then fail GDPR) and returns the work list, by impact analysis.',
    authScopes: { editor: true },
    args: {
      input: t.arg({
        type: DatasetErasureRequestInput,
        required: true,
        description: 'What to do.',
      }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(() =>
        idempotent(context, 'datasetErasureRequest', input, (claim) =>
          requestDatasetErasure(
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
