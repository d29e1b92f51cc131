import type { GraphQLError, GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import { lazyFieldsDuring } from './lib/lazy-fields.ts';
import { synchronousNodeIds } from './lib/nodes.ts';
import './scalars.ts';
import './errors.ts';
import './objects/enums.ts';
import './objects/LineageNode.ts';
import './objects/LineageGraph.ts';
import './objects/ImpactReport.ts';
import './objects/LineagePath.ts';
import './nodes/Node.ts';
import './nodes/Model.ts';
import './nodes/ModelVersion.ts';
import './nodes/Dataset.ts';
import './nodes/Deployment.ts';
import './nodes/Experiment.ts';
import './nodes/Run.ts';
import './nodes/User.ts';
import './nodes/Organization.ts';
import './nodes/GraphEdge.ts';
import './nodes/Artifact.ts';
import './objects/ModelVersionMatch.ts';
import './nodes/Approval.ts';
import './nodes/AuditEvent.ts';
import './objects/PromotionPolicy.ts';
import './objects/DatasetGovernance.ts';
import './objects/ApprovalRequiredError.ts';
import './mutations/modelRegister.ts';
import './mutations/modelVersionCreate.ts';
import './mutations/modelVersionPromote.ts';
import './mutations/modelAliasSet.ts';
import './mutations/modelReplace.ts';
import './mutations/modelUpdate.ts';
import './mutations/modelArchive.ts';
import './mutations/modelRestore.ts';
import './mutations/modelAliasDelete.ts';
import './mutations/modelVersionUpdate.ts';
import './mutations/modelVersionArchive.ts';
import './mutations/modelVersionRestore.ts';
import './mutations/modelVersionDelete.ts';
import './mutations/modelDelete.ts';
import './mutations/datasetRegister.ts';
import './mutations/deploymentCreate.ts';
import './mutations/experimentCreate.ts';
import './mutations/datasetUpdate.ts';
import './mutations/deploymentUpdate.ts';
import './mutations/experimentUpdate.ts';
import './mutations/runCreate.ts';
import './mutations/runLog.ts';
import './mutations/runUpdate.ts';
import './mutations/datasetDelete.ts';
import './mutations/lineageEdgeAdd.ts';
import './mutations/lineageEdgeRemove.ts';
import './mutations/userCreate.ts';
import './mutations/apiTokenCreate.ts';
import './mutations/apiTokenRevoke.ts';
import './mutations/approvalRequest.ts';
import './mutations/approvalReview.ts';
import './mutations/complianceCheckRun.ts';
import './mutations/datasetErasureRequest.ts';
import './mutations/datasetGovernanceSet.ts';
import './mutations/promotionPolicySet.ts';
import './mutations/artifactUploadCreate.ts';
import './mutations/artifactUploadComplete.ts';
import './mutations/artifactUploadAbort.ts';
import './mutations/artifactDelete.ts';

import './objects/MetricStats.ts';
import './objects/MetricAlert.ts';
import './objects/ModelComparisonEntry.ts';
import './objects/UsageReport.ts';
import './objects/InferenceRequest.ts';
import './objects/ModelPrice.ts';
import './objects/ProviderModelMap.ts';
import './objects/UsageAttribution.ts';
import './objects/ModelRoi.ts';
import './objects/RoiFrontier.ts';
import './objects/CostForecast.ts';
import './objects/AbTestReport.ts';
import './objects/AutoPromotionRule.ts';
import './objects/AutoPromotionDecision.ts';
import './nodes/ModelMetrics.ts';
import './nodes/ModelUsage.ts';
import './mutations/metricsRecord.ts';
import './mutations/inferenceTrack.ts';
import './mutations/inferenceScore.ts';
import './mutations/priceSet.ts';
import './mutations/providerModelMapSet.ts';
import './mutations/providerModelMapDelete.ts';
import './mutations/autoPromotionRuleSet.ts';
import './mutations/autoPromotionRun.ts';
import './nodes/Webhook.ts';
import './mutations/webhookCreate.ts';
import './mutations/webhookUpdate.ts';
import './mutations/webhookDelete.ts';
import './mutations/webhookRotateSecret.ts';
import './mutations/webhookTest.ts';
import './mutations/webhookRedeliver.ts';
import './objects/Budget.ts';
import './objects/OrganizationUsage.ts';
import './mutations/budgetSet.ts';
import './mutations/budgetDelete.ts';

builder.queryType({ description: 'Everything you can read: start from a node, a list or viewer.' });
builder.mutationType({ description: 'Every change, as one logical action per mutation.' });

// Not sorted here (Pothos sorts unless told not to): sorting rebuilds every type, 10-15 ms of each
// cold start, and only the printed schema.graphql needs it (scripts/print-schema.ts sorts).
// Fields are built per type on first use (lib/lazy-fields.ts).
export const schema = assumeValid(
  synchronousNodeIds(lazyFieldsDuring(builder, () => builder.toSchema({ sortSchema: false }))),
);

/**
 * Marks the schema as validated, as `new GraphQLSchema({ assumeValid: true })` would (Pothos
 * passes no such option): otherwise graphql validates the whole type system again on the first
 * operation of every isolate (assertValidSchema, part of each cold GraphQL request), although the
 * code builds the same schema every time. test/graphql/schema.test.ts validates a copy of it
 * instead. Should graphql rename its cache field, this is a no-op and validation runs as before.
 */
function assumeValid(built: GraphQLSchema): GraphQLSchema {
  (built as { __validationErrors?: readonly GraphQLError[] }).__validationErrors = [];
  return built;
}
