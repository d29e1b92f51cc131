// Impact analysis reads lineage and then the models, versions and deployments it reached: it sits
// above the lineage domain (which knows node ids only) and the domains whose rows it reports.
import type { Viewer } from '../../auth/viewer.ts';
import { findDeploymentsByIds } from '../deployment/deployment.repository.ts';
import { type Deployment, toDeployment } from '../deployment/deployment.ts';
import type { Deps } from '../deps.ts';
import type { EdgeType } from '../lineage/lineage.ts';
import {
  type LineageEdgeEntry,
  type LineageWalk,
  type NodeRef,
  pathTo,
} from '../lineage/traversal.service.ts';
import { walkShortestPathTree } from '../lineage/walk-segments.service.ts';
import { findModelsByIds, findVersionsByIds } from '../model/model.repository.ts';
import { type Model, type ModelVersion, toModel, toModelVersion } from '../model/model.ts';

/** Edge types along which a change propagates to what depends on it. */
export const IMPACT_EDGE_TYPES: readonly EdgeType[] = [
  'TRAINED_ON',
  'EVALUATED_ON',
  'DERIVED_FROM',
  'DEPLOYED_TO',
];

export interface ImpactReport {
  /**
   * The walk's summary: every node reached (by depth, then id) and the shortest-path tree, without
   * its edges (a walk past the edge-row budget is read a segment at a time; `edges` is empty).
   */
  walk: LineageWalk;
  affectedVersionIds: string[];
  /** The same versions, as read for the report (callers need not read them again). */
  affectedVersions: ModelVersion[];
  affectedModelIds: string[];
  affectedModels: Model[];
  affectedDeployments: {
    deploymentId: string;
    deployment: Deployment;
    environment: string;
    depth: number;
    path: LineageEdgeEntry[];
  }[];
  ownerIds: string[];
}

/**
 * What a change to a dataset, version or model would affect downstream: versions (and their
 * models), deployments ordered production first, and who to notify (whoever created them).
 *
 * Complete past the edge-row budget: the walk is read a breadth-first segment at a time within
 * this request (walkEverySegment), keeping only each segment's nodes and the edges that first
 * reached them (the paths to deployments), never all edge rows at once. An impact answer is a
 * work list (who to tell, what to redeploy, what a GDPR erasure must cover; the erasure request
 * stores it), and "production first" orders the whole set: a page of it would be neither.
 */
export async function analyzeImpact(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  request: {
    root: NodeRef;
    maxDepth?: number | null;
    nodeBudget?: number;
    edgeRowBudget?: number;
  },
): Promise<ImpactReport> {
  const { db } = deps;
  const { orgId } = viewer;
  const walk = await walkShortestPathTree(deps, viewer, {
    root: request.root,
    rootPath: ['of'],
    direction: 'DOWNSTREAM',
    edgeTypes: IMPACT_EDGE_TYPES,
    maxDepth: request.maxDepth,
    nodeBudget: request.nodeBudget,
    edgeRowBudget: request.edgeRowBudget,
  });
  const affected = walk.nodes.filter((node) => node.id !== walk.root.id);
  const versionIds = affected.filter((node) => node.kind === 'ModelVersion').map((node) => node.id);
  const deploymentNodes = affected.filter((node) => node.kind === 'Deployment');
  const [versions, deployments] = await Promise.all([
    versionIds.length ? findVersionsByIds(db, orgId, versionIds) : [],
    deploymentNodes.length
      ? findDeploymentsByIds(
          db,
          orgId,
          deploymentNodes.map((node) => node.id),
        )
      : [],
  ]);
  const modelIds = [...new Set(versions.map((version) => version.model_id))];
  const models = modelIds.length ? await findModelsByIds(db, orgId, modelIds) : [];
  const depthOf = new Map(affected.map((node) => [node.id, node.depth]));
  const versionById = new Map(versions.map((row) => [row.id, row]));
  const modelById = new Map(models.map((row) => [row.id, row]));
  const affectedDeployments = deployments
    .map(toDeployment)
    .map((deployment) => ({
      deploymentId: deployment.id,
      deployment,
      environment: deployment.environment,
      depth: depthOf.get(deployment.id) ?? 0,
      path: pathTo(walk, deployment.id) ?? [],
    }))
    .sort(
      (a, b) =>
        Number(b.environment === 'production') - Number(a.environment === 'production') ||
        a.environment.localeCompare(b.environment) ||
        a.depth - b.depth ||
        (a.deploymentId < b.deploymentId ? -1 : 1),
    );
  const owners = new Set<string>();
  for (const row of [...versions, ...deployments, ...models]) {
    if (row.created_by) owners.add(row.created_by);
  }
  // In the walk's order (depth, then id), as affectedVersionIds; a row that vanished is left out.
  const present = <Row, Domain>(ids: string[], byId: Map<string, Row>, map: (row: Row) => Domain) =>
    ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [map(row)] : [];
    });
  return {
    walk,
    affectedVersionIds: versionIds,
    affectedVersions: present(versionIds, versionById, toModelVersion),
    affectedModelIds: modelIds,
    affectedModels: present(modelIds, modelById, toModel),
    affectedDeployments,
    ownerIds: [...owners].sort(),
  };
}
