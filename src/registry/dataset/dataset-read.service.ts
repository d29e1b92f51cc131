// Reads of datasets for both APIs, as domain objects.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import type { PageRequest } from '../paging.ts';
import { findDatasetPage, findDatasetsByIds } from './dataset.repository.ts';
import { type Dataset, toDataset } from './dataset.ts';

/** The caller's datasets among `ids` (others are missing); tombstones as for modelsByIds. */
export async function datasetsByIds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  ids: readonly string[],
  options: { withTombstones?: boolean } = {},
): Promise<Dataset[]> {
  return (await findDatasetsByIds(deps.db, viewer.orgId, ids, options)).map(toDataset);
}

/** One page of the caller's datasets, by id. */
export async function datasetPage(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  page: PageRequest,
): Promise<Dataset[]> {
  return (await findDatasetPage(deps.db, viewer.orgId, page)).map(toDataset);
}
