import { DEFAULT_NODE_BUDGET } from './registry/lineage/traversal.service.ts';

/** Upper bound for LINEAGE_NODE_BUDGET: past this a walk's answer outgrows a Worker's memory. */
const MAX_NODE_BUDGET = 1_000_000;

/**
 * Nodes one lineage walk (lineage, impact, lineagePath) may visit per request, from the
 * LINEAGE_NODE_BUDGET variable (wrangler.jsonc `vars`); the default when unset or invalid.
 */
export function lineageNodeBudget(env: { LINEAGE_NODE_BUDGET?: string }): number {
  const configured = Number(env.LINEAGE_NODE_BUDGET);
  if (!Number.isInteger(configured) || configured < 1) return DEFAULT_NODE_BUDGET;
  return Math.min(configured, MAX_NODE_BUDGET);
}
