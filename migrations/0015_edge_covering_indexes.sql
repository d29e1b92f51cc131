-- Covering partial indexes for the lineage walk (issue 20; src/registry/lineage/traversal.repository.ts).
-- The walk follows live edges from a node in both directions and returns each edge's id, type, ends
-- and their kinds: with every column it reads in the index, neither the recursion nor the edge
-- selection touches the table's rows, and the partial WHERE keeps ended edges out of the index.
-- removed_at (always NULL here) is a column too: SQLite takes an index as covering only when it holds
-- every column the query names, the partial index's own condition included. Made here by name on the
-- edge table as migration 0012 rebuilt it, so that a later rebuild can recreate them by name.
CREATE INDEX edge_src_walk ON edge (src_id, type, org_id, dst_id, id, src_kind, dst_kind, removed_at)
  WHERE removed_at IS NULL;
CREATE INDEX edge_dst_walk ON edge (dst_id, type, org_id, src_id, id, src_kind, dst_kind, removed_at)
  WHERE removed_at IS NULL;
