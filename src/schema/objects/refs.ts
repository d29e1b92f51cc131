// The refs of every node type, declared apart from their fields so that node files can point at each
// other without import cycles (Pothos' circular-references guide). Each ref carries its batched
// loader: one statement per type per level, whatever the number of parents.
import type { Context } from '../../context.ts';
import { findDatasetsByIds } from '../../registry/dataset/dataset.repository.ts';
import { toDataset } from '../../registry/dataset/dataset.ts';
import { findDeploymentsByIds } from '../../registry/deployment/deployment.repository.ts';
import { toDeployment } from '../../registry/deployment/deployment.ts';
import { findExperimentsByIds } from '../../registry/experiment/experiment.repository.ts';
import { toExperiment } from '../../registry/experiment/experiment.ts';
import { findEdgesByIds } from '../../registry/lineage/lineage.repository.ts';
import { toGraphEdge } from '../../registry/lineage/lineage.ts';
import { findModelsByIds, findVersionsByIds } from '../../registry/model/model.repository.ts';
import { toModel, toModelVersion } from '../../registry/model/model.ts';
import { findOrganizationsByIds, findUsersByIds } from '../../registry/user/user.repository.ts';
import { toOrganization, toUser } from '../../registry/user/user.ts';
import { builder } from '../builder.ts';

/** A node ref whose loader fetches rows by id in the caller's organization and maps them. */
function nodeRef<Row, Shape extends { id: string }>(
  name: string,
  find: (db: Context['db'], orgId: string, ids: readonly string[]) => Promise<Row[]>,
  map: (row: Row) => Shape,
) {
  return builder.loadableNodeRef<Shape, string, string, string, Shape>(name, {
    id: { resolve: (node) => node.id },
    load: async (ids: string[], context: Context) =>
      (await find(context.db, context.viewer.orgId, ids)).map(map),
    // Missing ids come back as null (not visible = missing); loaded objects prime the cache.
    toKey: (node) => node.id,
    sort: true,
    cacheResolved: true,
  });
}

export const ModelRef = nodeRef('Model', findModelsByIds, toModel);
export const ModelVersionRef = nodeRef('ModelVersion', findVersionsByIds, toModelVersion);
export const DatasetRef = nodeRef('Dataset', findDatasetsByIds, toDataset);
export const DeploymentRef = nodeRef('Deployment', findDeploymentsByIds, toDeployment);
export const ExperimentRef = nodeRef('Experiment', findExperimentsByIds, toExperiment);
export const UserRef = nodeRef('User', findUsersByIds, toUser);
export const OrganizationRef = nodeRef('Organization', findOrganizationsByIds, toOrganization);
export const GraphEdgeRef = nodeRef('GraphEdge', findEdgesByIds, toGraphEdge);
