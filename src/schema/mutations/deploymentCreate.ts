import { decodeIdOf } from '../../global-id.ts';
import {
  createDeployment,
  MAX_DEPLOYMENT_VERSIONS,
} from '../../registry/deployment/deployment.service.ts';
import type { Deployment } from '../../registry/deployment/deployment.ts';
import { builder } from '../builder.ts';
import { COMMON_ERRORS, EDGE_ERRORS } from '../errors.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotent } from '../lib/idempotency.ts';
import { withInputPaths } from '../lib/input-paths.ts';
import { mutationResult } from '../lib/mutation-result.ts';
import { DeploymentRef } from '../objects/refs.ts';

const DeployedVersionInput = builder.inputType('DeployedVersionInput', {
  description: 'A version served by a deployment, with the DEPLOYED_TO edge’s properties.',
  fields: (t) => ({
    versionId: t.id({ required: true, description: 'Global ID of the version.' }),
    properties: t.field({
      type: 'JSON',
      description: 'A JSON object stored on the edge, e.g. { "trafficShare": 0.1 }.',
    }),
  }),
});

const DeploymentCreateInput = builder.inputType('DeploymentCreateInput', {
  description: 'A new deployment.',
  fields: (t) => ({
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    name: t.string({ required: true, description: 'Unique within your organization.' }),
    environment: t.string({
      required: true,
      description: 'Lowercase environment such as production, staging or canary.',
    }),
    description: t.string({ description: 'Free text.' }),
    endpointUrl: t.string({ description: 'Where it answers.' }),
    region: t.string({ description: 'Where it runs.' }),
    metadata: t.field({ type: 'JSON', description: 'A JSON object up to 64 KiB.' }),
    modelVersions: t.field({
      type: [DeployedVersionInput],
      description: `Versions it serves (DEPLOYED_TO edges), written in the same batch; at most ${MAX_DEPLOYMENT_VERSIONS}.`,
    }),
  }),
});

const DeploymentCreatePayload = builder.objectRef<{ deployment: Deployment }>(
  'DeploymentCreatePayload',
);
DeploymentCreatePayload.implement({
  description: 'The created deployment.',
  fields: (t) => ({
    deployment: t.field({
      type: DeploymentRef,
      description: 'The new deployment.',
      resolve: (p) => p.deployment,
    }),
  }),
});

const DeploymentCreateResult = mutationResult('deploymentCreate', DeploymentCreatePayload, [
  ...COMMON_ERRORS,
  ...EDGE_ERRORS,
]);

builder.mutationField('deploymentCreate', (t) =>
  t.field({
    type: DeploymentCreateResult,
    description: 'Records a deployment and the versions it serves.',
    authScopes: { editor: true },
    args: {
      input: t.arg({ type: DeploymentCreateInput, required: true, description: 'What to do.' }),
    },
    resolve: (_root, { input }, context) =>
      withInputPaths(async () => ({
        deployment: await idempotent(context, 'deploymentCreate', input, (claim) =>
          createDeployment(
            context.deps,
            context.viewer,
            {
              ...input,
              modelVersions:
                input.modelVersions?.map((entry, index) => ({
                  versionId: decodeIdOf(
                    entry.versionId,
                    ['ModelVersion'],
                    ['modelVersions', String(index), 'versionId'],
                  ).id,
                  properties: entry.properties,
                })) ?? null,
            },
            claim,
          ),
        ),
      })),
  }),
);
