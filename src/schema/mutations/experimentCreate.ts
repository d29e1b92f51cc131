import { createExperiment } from '../../registry/experiment/experiment.service.ts';
import type { Experiment } from '../../registry/experiment/experiment.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { ExperimentRef } from '../objects/refs.ts';

const ExperimentCreateInput = builder.inputType('ExperimentCreateInput', {
  description: 'A new experiment.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    name: t.string({ required: true, description: 'Unique within your organization.' }),
    description: t.string({ description: 'Free text.' }),
    metadata: t.field({ type: 'JSON', description: 'A JSON object up to 64 KiB.' }),
  }),
});

const ExperimentCreatePayload = builder.objectRef<{ experiment: Experiment }>(
  'ExperimentCreatePayload',
);
ExperimentCreatePayload.implement({
  description: 'The created experiment.',
  fields: (t) => ({
    experiment: t.field({
      type: ExperimentRef,
      description: 'The new experiment.',
      resolve: (p) => p.experiment,
    }),
  }),
});

const ExperimentCreateResult = mutationResult('experimentCreate', ExperimentCreatePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('experimentCreate', (t) =>
  t.field({
    type: ExperimentCreateResult,
    description: 'Records an experiment.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: ExperimentCreateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        experiment: await idempotent(context, 'experimentCreate', input, (claim) =>
          createExperiment(context.deps, context.viewer, input, claim),
        ),
      })),
  }),
);
