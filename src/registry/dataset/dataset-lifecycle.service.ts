// What changes about a dataset after registration: its name (unique in the organization),
// description and metadata. Immutable here: the dataset’s uri, format, governance and lineage.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import type { IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { type NamedUpdateInput, updateNamedRow } from '../lifecycle/named-update.ts';
import { type Dataset, toDataset } from './dataset.ts';

export interface DatasetUpdateInput extends NamedUpdateInput {
  datasetId: string;
}

/** Renames or describes a dataset, audited as dataset.update; see updateNamedRow. */
export function updateDataset(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: DatasetUpdateInput,
  claim?: IdempotencyClaim,
): Promise<Dataset> {
  return updateNamedRow(
    deps,
    viewer,
    {
      table: 'dataset',
      kind: 'Dataset',
      idField: 'datasetId',
      noun: 'dataset',
      toValue: toDataset,
    },
    input.datasetId,
    input,
    claim,
  );
}
