// lineagePath past one request's edge rows: findLineagePath walks each direction in growing node
// budgets; when even the request's walk is cut by the edge-row budget, the direction is walked on
// segment by segment from a stored frontier (walkShortestPathTree, as impact does), keeping only
// the shortest-path tree, so a far target is found instead of answered as "not connected".
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import {
  findLineagePath,
  type LineageEdgeEntry,
  type LineagePathRequest,
  type LineageWalk,
  pathTo,
} from './traversal.service.ts';
import { walkShortestPathTree } from './walk-segments.service.ts';

export function findPathBetween(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  request: LineagePathRequest,
): Promise<{ edges: LineageEdgeEntry[]; walk: LineageWalk } | null> {
  return findLineagePath(deps.db, viewer.orgId, {
    ...request,
    beyondRowBudget: async (direction) => {
      const walk = await walkShortestPathTree(deps, viewer, {
        root: request.from,
        rootPath: ['from'],
        rootExists: true,
        direction,
        edgeTypes: request.edgeTypes,
        maxDepth: request.maxDepth,
        nodeBudget: request.nodeBudget,
        edgeRowBudget: request.edgeRowBudget,
      });
      const edges = pathTo(walk, request.to.id);
      return edges ? { edges, walk } : null;
    },
  });
}
