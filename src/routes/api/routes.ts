import { BUDGET_ROUTES } from './budgets.ts';
import { GOVERNANCE_ROUTES } from './governance.ts';
import { LIFECYCLE_ROUTES } from './lifecycle.ts';
import { LINEAGE_ROUTES } from './lineage.ts';
import { MODEL_ROUTES } from './models.ts';
import { PERFORMANCE_ROUTES } from './performance.ts';
import { PROVIDER_MODEL_ROUTES } from './provider-models.ts';
import type { RouteDef } from './route.ts';
import { VIBE_ROUTES } from './vibe.ts';
import { WEBHOOK_ROUTES } from './webhooks.ts';

/**
 * Every REST route, in match order: a path with a literal segment comes before a parameterised
 * path it could also match (`/api/governance/approvals/pending` before `/:modelId/...`).
 */
export const API_ROUTES: readonly RouteDef[] = [
  ...MODEL_ROUTES,
  ...LIFECYCLE_ROUTES,
  ...LINEAGE_ROUTES,
  ...GOVERNANCE_ROUTES,
  ...PERFORMANCE_ROUTES,
  // Before VIBE_ROUTES: /api/vibe/provider-models and /api/vibe/unmatched are literal segments.
  ...PROVIDER_MODEL_ROUTES,
  ...VIBE_ROUTES,
  ...WEBHOOK_ROUTES,
  ...BUDGET_ROUTES,
];
