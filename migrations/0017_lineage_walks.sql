-- Stored lineage walks (issue 20, section 5): a walk whose edge rows exceed the per-request budget
-- is answered a breadth-first prefix at a time. Each page continues the walk from the frontier the
-- previous page left (nodes discovered but not yet expanded), skipping every node already visited,
-- so no page re-runs the walk before it (src/registry/lineage/walk-state.repository.ts).
-- Append-only per segment: a node records the page (segment) that discovered it and the one that
-- expanded it, so following the same cursor again answers the same page.
CREATE TABLE lineage_walk (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organization(id),
  created_by TEXT,
  created_at TEXT NOT NULL,
  -- Cursors answer a typed error after this instant; rows past it may be deleted.
  expires_at TEXT NOT NULL,
  -- The walk's parameters as JSON (root, direction, edge types, maxDepth, asOf, budget): a cursor
  -- continues only the request that made it.
  request TEXT NOT NULL CHECK (json_valid(request)),
  -- Per served segment, as JSON: [[direction index, nodes through it, edges through it, depth], ...]
  segments TEXT NOT NULL CHECK (json_valid(segments))
);

CREATE INDEX lineage_walk_expiry ON lineage_walk (expires_at);

CREATE TABLE lineage_walk_node (
  walk_id TEXT NOT NULL REFERENCES lineage_walk(id) ON DELETE CASCADE,
  direction TEXT NOT NULL CHECK (direction IN ('UPSTREAM', 'DOWNSTREAM')),
  node_id TEXT NOT NULL,
  node_kind TEXT NOT NULL,
  depth INTEGER NOT NULL CHECK (depth >= 0),
  discovered_in INTEGER NOT NULL CHECK (discovered_in >= 1),
  -- NULL while the node is on the frontier (its edges not yet read).
  expanded_in INTEGER CHECK (expanded_in IS NULL OR expanded_in >= discovered_in),
  PRIMARY KEY (walk_id, direction, node_id)
) WITHOUT ROWID;
