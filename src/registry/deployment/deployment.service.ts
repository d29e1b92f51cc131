import type { Viewer } from '../../auth/viewer.ts';
import type { Db } from '../../db/db.ts';
import { AlreadyExistsError, ValidationError } from '../errors.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { serializeJsonObject } from '../json.ts';
import { edgeRow, requireNodes, writeEdges } from '../lineage/lineage.service.ts';
import { optionalText, requireName } from '../validate.ts';
import { findDeploymentByName, insertDeployment } from './deployment.repository.ts';
import { type Deployment, ENVIRONMENT_PATTERN, toDeployment } from './deployment.ts';

/**
 * Cap on the versions one deploymentCreate may list: their edges go in one statement, and the list
 * is bounded so that statement (and the request) stays bounded too.
 */
export const MAX_DEPLOYMENT_VERSIONS = 100;

export interface DeploymentCreateInput {
  name: string;
  environment: string;
  description?: string | null;
  endpointUrl?: string | null;
  region?: string | null;
  metadata?: unknown;
  /** Versions served by the new deployment, each with its edge properties (traffic share...). */
  modelVersions?: readonly { versionId: string; properties?: unknown }[] | null;
}

/** Creates a deployment and, in the same batch, the DEPLOYED_TO edges of the versions it serves. */
export async function createDeployment(
  deps: { db: Db; d1: D1Database },
  viewer: Viewer,
  input: DeploymentCreateInput,
  claim?: IdempotencyClaim,
): Promise<Deployment> {
  const name = requireName(input.name, ['name']);
  const environment = requireName(input.environment.toLowerCase(), ['environment'], {
    max: 32,
    pattern: ENVIRONMENT_PATTERN,
    patternHint: 'Must be a lowercase slug such as production, staging or canary',
  });
  const now = nowIso();
  const row = {
    id: newId(),
    org_id: viewer.orgId,
    name,
    environment,
    description: optionalText(input.description, ['description']),
    endpoint_url: optionalText(input.endpointUrl, ['endpointUrl'], 2048),
    region: input.region ? requireName(input.region, ['region'], { max: 64 }) : null,
    metadata: serializeJsonObject(input.metadata, ['metadata']),
    created_at: now,
    created_by: viewer.userId,
    updated_at: now,
  };
  const served = input.modelVersions ?? [];
  if (served.length > MAX_DEPLOYMENT_VERSIONS) {
    throw new ValidationError(`At most ${MAX_DEPLOYMENT_VERSIONS} versions`, ['modelVersions']);
  }
  // Checked here, with the exact entry, rather than left to the edge's unique index: the batch
  // would fail on it too, but could then only say that some edge already exists.
  const listed = new Set<string>();
  served.forEach((link, index) => {
    if (listed.has(link.versionId)) {
      throw new ValidationError('Listed twice', ['modelVersions', String(index), 'versionId']);
    }
    listed.add(link.versionId);
  });
  const deploymentRef = { kind: 'Deployment' as const, id: row.id };
  const edges = served.map((link, index) =>
    edgeRow(
      viewer,
      {
        type: 'DEPLOYED_TO',
        from: { kind: 'ModelVersion', id: link.versionId },
        to: deploymentRef,
      },
      serializeJsonObject(link.properties, ['modelVersions', String(index), 'properties']),
      now,
    ),
  );
  if (await findDeploymentByName(deps.db, viewer.orgId, name)) {
    throw new AlreadyExistsError(`A deployment named "${name}" already exists`, ['name']);
  }
  await requireNodes(
    deps.db,
    viewer.orgId,
    served.map((link, index) => ({
      ref: { kind: 'ModelVersion' as const, id: link.versionId },
      path: ['modelVersions', String(index), 'versionId'],
    })),
  );
  const deployment = toDeployment(row);
  try {
    await writeEdges(
      deps,
      edges,
      [
        {
          orgId: viewer.orgId,
          actorId: viewer.userId,
          action: 'deployment.create',
          subjectId: row.id,
          subjectKind: 'Deployment',
          after: { name, environment, modelVersions: served.map((link) => link.versionId) },
        },
      ],
      { type: [], from: ['modelVersions'], to: [], properties: [] },
      [...claimWrites(deps.db, claim, deployment), insertDeployment(deps.db, row)],
    );
  } catch (error) {
    if (String(error).includes('UNIQUE constraint failed: deployment.org_id, deployment.name')) {
      throw new AlreadyExistsError(`A deployment named "${name}" already exists`, ['name']);
    }
    throw error;
  }
  return deployment;
}
