// Short human labels of lineage nodes, for pictures: the name, or "model@version" for a version.
import type { Db } from '../../db/db.ts';
import { findNodeLabels } from './lineage.repository.ts';
import type { NodeKind } from './lineage.ts';

/**
 * Labels of many nodes at once, in one statement whatever the number of nodes (two when all six
 * kinds are present), or none when the walk read them all (`known`, LineageWalk.labels). A node
 * that vanished is labelled with its id.
 */
export async function lineageLabels(
  db: Db,
  orgId: string,
  nodes: readonly { kind: NodeKind; id: string }[],
  known: ReadonlyMap<string, string> | null = null,
): Promise<Map<string, string>> {
  const labels = new Map<string, string>();
  const missing: { kind: NodeKind; id: string }[] = [];
  for (const node of nodes) {
    const label = known?.get(node.id);
    if (label === undefined) missing.push(node);
    else labels.set(node.id, label);
  }
  if (missing.length === 0) return labels;
  for (const row of await findNodeLabels(db, orgId, missing)) labels.set(row.id, row.label);
  for (const node of missing) if (!labels.has(node.id)) labels.set(node.id, node.id);
  return labels;
}
