import { decodeIdOf } from '../../global-id.ts';
import type { Experiment } from '../../registry/experiment/experiment.ts';
import { updateExperiment } from '../../registry/experiment/experiment-lifecycle.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { namedEditFields } from '../lib/named-edit-fields.ts';
import { ExperimentRef } from '../objects/refs.ts';

const ExperimentUpdateInput = builder.inputType('ExperimentUpdateInput', {
  description:
    'What to change about a experiment; a field left out stays as it is. Only name, description and metadata are editable: the experiment’s lineage and the versions that came out of it stay as they are.',
  fields: (t) => ({
    experimentId: t.id({ required: true, description: 'Global ID of the experiment.' }),
    ...namedEditFields(t, 'experiment'),
  }),
});

const ExperimentUpdatePayload = builder.objectRef<{ experiment: Experiment }>(
  'ExperimentUpdatePayload',
);
ExperimentUpdatePayload.implement({
  description: 'The experiment as it is now.',
  fields: (t) => ({
    experiment: t.field({
      type: ExperimentRef,
      description: 'The experiment.',
      resolve: (p) => p.experiment,
    }),
  }),
});

const ExperimentUpdateResult = mutationResult('experimentUpdate', ExperimentUpdatePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('experimentUpdate', (t) =>
  t.field({
    type: ExperimentUpdateResult,
    description:
      'Edits a experiment: name, description, metadata; audited as experiment.update with before and after. Nothing to change writes nothing.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ExperimentUpdateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        experiment: await idempotent(context, 'experimentUpdate', input, (claim) =>
          updateExperiment(
            context.deps,
            context.viewer,
            {
              ...input,
              experimentId: decodeIdOf(input.experimentId, ['Experiment'], ['experimentId']).id,
              metadata: input.metadata as Record<string, unknown> | null | undefined,
            },
            claim,
          ),
        ),
      })),
  }),
);
