// The refs of every node type, declared apart from their fields so that node files can point at each
// other without import cycles (Pothos' circular-references guide). Each ref carries its batched
// loader, a read service's by-id read: one statement per type per level, whatever the number of
// parents. Models, versions and datasets load tombstones too (deletedAt set): an approval, an audit
// event or a past lineage walk still points at what was deleted. node(id:) and model(id:) hide
// them (lib/nodes.ts).
import type { Viewer } from '../../auth/viewer.ts';
import type { Context } from '../../context.ts';
import { datasetsByIds } from '../../registry/dataset/dataset-read.service.ts';
import { deploymentsByIds } from '../../registry/deployment/deployment-read.service.ts';
import type { Deps } from '../../registry/deps.ts';
import { experimentsByIds } from '../../registry/experiment/experiment-read.service.ts';
import { edgesByIds } from '../../registry/lineage/lineage-read.service.ts';
import { modelsByIds, versionsByIds } from '../../registry/model/model-read.service.ts';
import { runsByIds } from '../../registry/run/run-read.service.ts';
import { organizationsByIds, usersByIds } from '../../registry/user/user-read.service.ts';
import { builder } from '../builder.ts';

/** A node ref whose loader reads nodes by id in the caller's organization. */
function nodeRef<Shape extends { id: string }>(
  name: string,
  byIds: (deps: Pick<Deps, 'db'>, viewer: Viewer, ids: readonly string[]) => Promise<Shape[]>,
) {
  return builder.loadableNodeRef<Shape, string, string, string, Shape>(name, {
    id: { resolve: (node) => node.id },
    load: (ids: string[], context: Context) => byIds(context.deps, context.viewer, ids),
    // Missing ids come back as null (not visible = missing); loaded objects prime the cache.
    toKey: (node) => node.id,
    sort: true,
    cacheResolved: true,
  });
}

const withTombstones = { withTombstones: true };
export const ModelRef = nodeRef('Model', (deps, viewer, ids) =>
  modelsByIds(deps, viewer, ids, withTombstones),
);
export const ModelVersionRef = nodeRef('ModelVersion', (deps, viewer, ids) =>
  versionsByIds(deps, viewer, ids, withTombstones),
);
export const DatasetRef = nodeRef('Dataset', (deps, viewer, ids) =>
  datasetsByIds(deps, viewer, ids, withTombstones),
);
export const DeploymentRef = nodeRef('Deployment', deploymentsByIds);
export const ExperimentRef = nodeRef('Experiment', experimentsByIds);
export const RunRef = nodeRef('Run', runsByIds);
export const UserRef = nodeRef('User', usersByIds);
export const OrganizationRef = nodeRef('Organization', organizationsByIds);
export const GraphEdgeRef = nodeRef('GraphEdge', edgesByIds);
