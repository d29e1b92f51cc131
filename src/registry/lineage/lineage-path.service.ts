// lineagePath past one request's edge rows: findLineagePath walks each direction in growing node
// budgets; when even the request's walk is cut by the edge-row budget, the direction is walked on
// segment by segment from a stored frontier (walkEverySegment, as impact does), keeping only the
// shortest-path tree, so a far target is found instead of answered as "not connected".
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import type { EdgeType } from './lineage.ts';
import {
  findLineagePath,
  type LineageEdgeEntry,
  type LineageNodeEntry,
  type LineageWalk,
  type NodeRef,
  pathTo,
} from './traversal.service.ts';
import { walkEverySegment } from './walk-segments.service.ts';

export interface LineagePathRequest {
  from: NodeRef;
  to: NodeRef;
  edgeTypes?: readonly EdgeType[] | null;
  maxDepth?: number | null;
  nodeBudget?: number;
  edgeRowBudget?: number;
}

export function findPathBetween(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  request: LineagePathRequest,
): Promise<{ edges: LineageEdgeEntry[]; walk: LineageWalk } | null> {
  return findLineagePath(deps.db, viewer.orgId, {
    ...request,
    beyondRowBudget: async (direction) => {
      const nodes: LineageNodeEntry[] = [];
      const parents = new Map<string, LineageEdgeEntry>();
      const summary = await walkEverySegment(
        deps,
        viewer,
        {
          root: request.from,
          rootPath: ['from'],
          rootExists: true,
          direction,
          edgeTypes: request.edgeTypes,
          maxDepth: request.maxDepth,
          nodeBudget: request.nodeBudget,
          edgeRowBudget: request.edgeRowBudget,
        },
        (page) => {
          for (const node of page.nodes) nodes.push(node);
          for (const [id, edge] of page.walk.parents) parents.set(id, edge);
        },
      );
      const walk: LineageWalk = {
        root: request.from,
        // Depth-0 nodes first: pathTo reads the roots from the front of the list.
        nodes: nodes.sort((a, b) => a.depth - b.depth),
        edges: [],
        depthReached: summary.depthReached,
        isTruncated: summary.isTruncated,
        parents,
        edgeDetails: null,
        overflow: null,
      };
      const edges = pathTo(walk, request.to.id);
      return edges ? { edges, walk } : null;
    },
  });
}
