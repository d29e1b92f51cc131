import { decodeIdOf } from '../../global-id.ts';
import type { Deployment } from '../../registry/deployment/deployment.ts';
import { updateDeployment } from '../../registry/deployment/deployment-lifecycle.service.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS } from '../errors.ts';
import { idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { namedEditFields } from '../lib/named-edit-fields.ts';
import { DeploymentRef } from '../objects/refs.ts';

const DeploymentUpdateInput = builder.inputType('DeploymentUpdateInput', {
  description:
    'What to change about a deployment; a field left out stays as it is. Only name, description and metadata are editable: the deployment’s environment, endpoint, region and the model versions it serves (DEPLOYED_TO edges, changed through lineageEdgeAdd/Remove) stay as they are.',
  fields: (t) => ({
    deploymentId: t.id({ required: true, description: 'Global ID of the deployment.' }),
    ...namedEditFields(t, 'deployment'),
  }),
});

const DeploymentUpdatePayload = builder.objectRef<{ deployment: Deployment }>(
  'DeploymentUpdatePayload',
);
DeploymentUpdatePayload.implement({
  description: 'The deployment as it is now.',
  fields: (t) => ({
    deployment: t.field({
      type: DeploymentRef,
      description: 'The deployment.',
      resolve: (p) => p.deployment,
    }),
  }),
});

const DeploymentUpdateResult = mutationResult('deploymentUpdate', DeploymentUpdatePayload, [
  ...COMMON_ERRORS,
]);

builder.mutationField('deploymentUpdate', (t) =>
  t.field({
    type: DeploymentUpdateResult,
    description:
      'Edits a deployment: name, description, metadata; audited as deployment.update with before and after. Nothing to change writes nothing.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: DeploymentUpdateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        deployment: await idempotent(context, 'deploymentUpdate', input, (claim) =>
          updateDeployment(
            context.deps,
            context.viewer,
            {
              ...input,
              deploymentId: decodeIdOf(input.deploymentId, ['Deployment'], ['deploymentId']).id,
              metadata: input.metadata as Record<string, unknown> | null | undefined,
            },
            claim,
          ),
        ),
      })),
  }),
);
