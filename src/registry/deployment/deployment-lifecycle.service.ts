// What changes about a deployment after registration: its name (unique in the organization),
// description and metadata. Immutable here: the deployment’s environment, endpoint, region and the model versions it serves (DEPLOYED_TO edges, changed through lineageEdgeAdd/Remove).
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import type { IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { type NamedUpdateInput, updateNamedRow } from '../lifecycle/named-update.ts';
import { type Deployment, toDeployment } from './deployment.ts';

export interface DeploymentUpdateInput extends NamedUpdateInput {
  deploymentId: string;
}

/** Renames or describes a deployment, audited as deployment.update; see updateNamedRow. */
export function updateDeployment(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: DeploymentUpdateInput,
  claim?: IdempotencyClaim,
): Promise<Deployment> {
  return updateNamedRow(
    deps,
    viewer,
    {
      table: 'deployment',
      kind: 'Deployment',
      idField: 'deploymentId',
      noun: 'deployment',
      toValue: toDeployment,
    },
    input.deploymentId,
    input,
    claim,
  );
}
