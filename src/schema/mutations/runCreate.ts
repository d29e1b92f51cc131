import { decodeIdOf } from '../../global-id.ts';
import { createRun } from '../../registry/run/run.service.ts';
import type { Run } from '../../registry/run/run.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { RunKeyValueInput } from '../nodes/Run.ts';
import { RunRef } from '../objects/refs.ts';

const RunCreateInput = builder.inputType('RunCreateInput', {
  description: 'A new run of an experiment (MLflow’s runs/create).',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    experimentId: t.id({ required: true, description: 'Global ID of the experiment.' }),
    name: t.string({ description: 'The run name; a generated one when left out.' }),
    parentRunId: t.id({
      description:
        'Global ID of the parent run, for a nested run (a sweep’s trial); it must belong to the same experiment.',
    }),
    startTime: t.field({ type: 'DateTime', description: 'When the run started; now by default.' }),
    user: t.string({ description: 'MLflow’s free-text user of the run.' }),
    tags: t.field({
      type: [RunKeyValueInput],
      description: 'Tags to start with (keys up to 250 characters, values up to 8,000).',
    }),
  }),
});

const RunCreatePayload = builder.objectRef<{ run: Run }>('RunCreatePayload');
RunCreatePayload.implement({
  description: 'The created run.',
  fields: (t) => ({
    run: t.field({ type: RunRef, description: 'The new run, RUNNING.', resolve: (p) => p.run }),
  }),
});

const RunCreateResult = mutationResult('runCreate', RunCreatePayload, [...COMMON_ERRORS]);

builder.mutationField('runCreate', (t) =>
  t.field({
    type: RunCreateResult,
    description:
      'Starts a run of an experiment; audited as run.create. The same as MLflow’s runs/create.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: RunCreateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        run: (
          await idempotent(context, 'runCreate', input, (claim) =>
            createRun(
              context.deps,
              context.viewer,
              {
                experimentId: decodeIdOf(input.experimentId, ['Experiment'], ['experimentId']).id,
                runName: input.name,
                parentRunId: input.parentRunId
                  ? decodeIdOf(input.parentRunId, ['Run'], ['parentRunId']).id
                  : null,
                startTime: input.startTime?.getTime() ?? null,
                userId: input.user,
                tags: input.tags,
              },
              claim,
            ),
          )
        ).run,
      })),
  }),
);
