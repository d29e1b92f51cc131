// What changes about a experiment after registration: its name (unique in the organization),
// description and metadata. Immutable here: the experiment’s lineage and the versions that came out of it.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import type { IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { type NamedUpdateInput, updateNamedRow } from '../lifecycle/named-update.ts';
import { type Experiment, toExperiment } from './experiment.ts';

export interface ExperimentUpdateInput extends NamedUpdateInput {
  experimentId: string;
}

/** Renames or describes a experiment, audited as experiment.update; see updateNamedRow. */
export function updateExperiment(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: ExperimentUpdateInput,
  claim?: IdempotencyClaim,
): Promise<Experiment> {
  return updateNamedRow(
    deps,
    viewer,
    {
      table: 'experiment',
      kind: 'Experiment',
      idField: 'experimentId',
      noun: 'experiment',
      toValue: toExperiment,
    },
    input.experimentId,
    input,
    claim,
  );
}
