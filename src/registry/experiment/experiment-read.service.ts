// Reads of experiments for both APIs, as domain objects.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import type { PageRequest } from '../paging.ts';
import { findExperimentPage, findExperimentsByIds } from './experiment.repository.ts';
import { type Experiment, toExperiment } from './experiment.ts';

/** The caller's experiments among `ids` (others are missing), in id order. */
export async function experimentsByIds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  ids: readonly string[],
): Promise<Experiment[]> {
  return (await findExperimentsByIds(deps.db, viewer.orgId, ids)).map(toExperiment);
}

/** One page of the caller's experiments, by id. */
export async function experimentPage(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  page: PageRequest,
): Promise<Experiment[]> {
  return (await findExperimentPage(deps.db, viewer.orgId, page)).map(toExperiment);
}
