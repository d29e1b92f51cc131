export interface EdgeTable {
  id: string;
  org_id: string;
  type: string;
  src_id: string;
  src_kind: string;
  dst_id: string;
  dst_kind: string;
  properties: string | null;
  created_at: string;
  created_by: string | null;
  removed_at: string | null;
  removed_by: string | null;
}

/** A lineage walk answered a segment at a time (migration 0017, walk-state.repository.ts). */
export interface LineageWalkTable {
  id: string;
  org_id: string;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  /** JSON: the walk's parameters (StoredWalkRequest). */
  request: string;
  /** JSON: per served segment [direction index, nodes through it, edges through it, depth]. */
  segments: string;
}

/** A node a stored walk has visited in one direction. */
export interface LineageWalkNodeTable {
  walk_id: string;
  direction: string;
  node_id: string;
  node_kind: string;
  depth: number;
  discovered_in: number;
  expanded_in: number | null;
}
