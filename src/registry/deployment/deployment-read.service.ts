// Reads of deployments for both APIs, as domain objects.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import type { PageRequest } from '../paging.ts';
import { findDeploymentPage, findDeploymentsByIds } from './deployment.repository.ts';
import { type Deployment, toDeployment } from './deployment.ts';

/** The caller's deployments among `ids` (others are missing), in id order. */
export async function deploymentsByIds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  ids: readonly string[],
): Promise<Deployment[]> {
  return (await findDeploymentsByIds(deps.db, viewer.orgId, ids)).map(toDeployment);
}

/** One page of the caller's deployments, by id; only one environment's when given (lowercase). */
export async function deploymentPage(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  environment: string | null,
  page: PageRequest,
): Promise<Deployment[]> {
  return (await findDeploymentPage(deps.db, viewer.orgId, environment, page)).map(toDeployment);
}
