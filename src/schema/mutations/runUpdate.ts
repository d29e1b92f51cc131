import { decodeIdOf } from '../../global-id.ts';
import { updateRun } from '../../registry/run/run.service.ts';
import type { Run } from '../../registry/run/run.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { RunStatusEnum } from '../nodes/Run.ts';
import { RunRef } from '../objects/refs.ts';

const RunUpdateInput = builder.inputType('RunUpdateInput', {
  description:
    'What to change about a run (MLflow’s runs/update); a field left out stays as it is.',
  fields: (t) => ({
    runId: t.id({ required: true, description: 'Global ID of the run (active, not deleted).' }),
    status: t.field({ type: RunStatusEnum, description: 'The new status, e.g. FINISHED.' }),
    endTime: t.field({ type: 'DateTime', description: 'When the run ended.' }),
    name: t.string({ description: 'A new run name (the mlflow.runName tag follows).' }),
  }),
});

const RunUpdatePayload = builder.objectRef<{ run: Run }>('RunUpdatePayload');
RunUpdatePayload.implement({
  description: 'The run as it is now.',
  fields: (t) => ({
    run: t.field({ type: RunRef, description: 'The run.', resolve: (p) => p.run }),
  }),
});

const RunUpdateResult = mutationResult('runUpdate', RunUpdatePayload, [...COMMON_ERRORS]);

builder.mutationField('runUpdate', (t) =>
  t.field({
    type: RunUpdateResult,
    description:
      'Ends or renames a run; audited as run.update with before and after. Nothing to change writes nothing.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: RunUpdateInput, required: true, description: 'What to change.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        run: await updateRun(context.deps, context.viewer, {
          runId: decodeIdOf(input.runId, ['Run'], ['runId']).id,
          status: input.status,
          endTime: input.endTime?.getTime() ?? null,
          runName: input.name,
        }),
      })),
  }),
);
