import { z } from 'zod';
import { MODEL_ROUTES } from './models.ts';
import { globalIdOf } from './present.ts';
import { defineRoute, type Method, type RouteDef, type Scope } from './route.ts';

/**
 * A route of the original design whose REST handler is not built yet: it is in the table (and the
 * OpenAPI document, marked `x-live: false`) and answers 501 naming the GraphQL operation to use.
 */
function notBuilt(
  method: Method,
  path: string,
  operationId: string,
  graphql: string,
  scope: Scope,
  summary: string,
): RouteDef {
  const tag = path.split('/')[2] ?? 'api';
  const params = path.includes(':modelId')
    ? z.object({ modelId: globalIdOf('Model') })
    : path.includes(':id')
      ? z.object({ id: globalIdOf('Approval') })
      : undefined;
  return defineRoute({ method, path, operationId, summary, graphql, tag, scope, params });
}

/**
 * Every REST route, in match order: a path with a literal segment comes before a parameterised
 * path it could also match (`/api/governance/approvals/pending` before `/:modelId/...`).
 */
export const API_ROUTES: readonly RouteDef[] = [
  ...MODEL_ROUTES,
  notBuilt(
    'POST',
    '/api/lineage/datasets',
    'lineageDatasetRegister',
    'mutation datasetRegister / lineageEdgeAdd(TRAINED_ON)',
    'editor',
    'Register a dataset and/or link it to a version with split and size properties.',
  ),
  notBuilt(
    'POST',
    '/api/lineage/deployments',
    'lineageDeploymentCreate',
    'mutation deploymentCreate',
    'editor',
    'Create a deployment serving model versions.',
  ),
  notBuilt(
    'GET',
    '/api/lineage/:modelId/impact',
    'lineageImpact',
    'query impact(of:)',
    'viewer',
    'What a change to the model would affect downstream.',
  ),
  notBuilt(
    'GET',
    '/api/lineage/:modelId/graph',
    'lineageGraph',
    'query model(id:) { lineage }',
    'viewer',
    'The lineage graph as nodes and edges (json, mermaid or dot).',
  ),
  notBuilt(
    'GET',
    '/api/lineage/:modelId',
    'lineageGet',
    'query model(id:) { lineage(direction: BOTH) }',
    'viewer',
    'The full lineage of a model, upstream and downstream.',
  ),
  notBuilt(
    'POST',
    '/api/governance/approvals',
    'approvalCreate',
    'mutation approvalRequest',
    'editor',
    'Request approval of a model version.',
  ),
  notBuilt(
    'GET',
    '/api/governance/approvals/pending',
    'approvalPendingList',
    'query pendingApprovals',
    'viewer',
    'Approval requests waiting for review.',
  ),
  notBuilt(
    'POST',
    '/api/governance/approvals/:id/review',
    'approvalReview',
    'mutation approvalReview',
    'reviewer',
    'Approve or reject an approval request.',
  ),
  notBuilt(
    'GET',
    '/api/governance/:modelId/history',
    'governanceHistory',
    'query model(id:) { governanceHistory }',
    'viewer',
    'The audit trail of a model.',
  ),
  notBuilt(
    'POST',
    '/api/governance/:modelId/check',
    'complianceCheck',
    'mutation complianceCheckRun',
    'editor',
    'Run the compliance checks of a model version.',
  ),
  notBuilt(
    'POST',
    '/api/performance/metrics',
    'metricsRecord',
    'mutation metricsRecord',
    'editor',
    'Record performance metrics of a model version.',
  ),
  notBuilt(
    'POST',
    '/api/performance/compare',
    'performanceCompare',
    'query modelComparison',
    'viewer',
    'Compare two versions on a metric (A/B).',
  ),
  notBuilt(
    'GET',
    '/api/performance/:modelId/metrics',
    'metricsList',
    'query model(id:) { metricSeries }',
    'viewer',
    'Recorded metrics of a model.',
  ),
  notBuilt(
    'GET',
    '/api/performance/:modelId/stats',
    'metricsStats',
    'query model(id:) { metricStats }',
    'viewer',
    'Summary statistics of a metric type.',
  ),
  notBuilt(
    'POST',
    '/api/vibe/track',
    'inferenceTrack',
    'mutation inferenceTrack',
    'editor',
    'Track LLM inference requests (latency, tokens, cost, quality).',
  ),
  notBuilt(
    'POST',
    '/api/vibe/compare',
    'usageCompare',
    'query abTestCompare',
    'viewer',
    'Compare the usage of two models or versions.',
  ),
  notBuilt(
    'GET',
    '/api/vibe/:modelId/costs',
    'usageCosts',
    'query model(id:) { usage(from:, to:) }',
    'viewer',
    'Costs of a model over a time range.',
  ),
  notBuilt(
    'GET',
    '/api/vibe/:modelId/trends',
    'usageTrends',
    'query model(id:) { usageTrends }',
    'viewer',
    'Usage trends at a granularity.',
  ),
  notBuilt(
    'GET',
    '/api/vibe/:modelId/roi',
    'usageRoi',
    'query model(id:) { roi }',
    'viewer',
    'Return on investment of a model.',
  ),
];
