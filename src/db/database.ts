import type { VectorEntryTable } from '../ports/local-vector-index.table.ts';
import type { ArtifactPartTable, ArtifactTable } from '../registry/artifact/artifact.table.ts';
import type { AuditEventTable } from '../registry/audit/audit.table.ts';
import type { BudgetRefusalTable, BudgetTable } from '../registry/budget/budget.table.ts';
import type { DatasetGovernanceTable, DatasetTable } from '../registry/dataset/dataset.table.ts';
import type { DeploymentTable } from '../registry/deployment/deployment.table.ts';
import type { ExperimentTable } from '../registry/experiment/experiment.table.ts';
import type {
  ApprovalTable,
  ComplianceCheckTable,
  ErasureRequestTable,
  PromotionPolicyTable,
} from '../registry/governance/governance.table.ts';
import type { IdempotencyKeyTable } from '../registry/idempotency/idempotency.table.ts';
import type {
  EdgeTable,
  LineageWalkNodeTable,
  LineageWalkTable,
} from '../registry/lineage/lineage.table.ts';
import type { MetricAlertTable, MetricPointTable } from '../registry/metrics/metrics.table.ts';
import type {
  ModelAliasTable,
  ModelTable,
  ModelVersionTable,
} from '../registry/model/model.table.ts';
import type {
  ExperimentTagTable,
  KeyValueTagTable,
  RunInputTable,
  RunMetricTable,
  RunParamTable,
  RunTable,
  RunTagTable,
} from '../registry/run/run.table.ts';
import type { ModelVersionEmbeddingTable } from '../registry/search/search.table.ts';
import type {
  AutoPromotionRuleTable,
  InferenceRequestTable,
  InferenceScoreTable,
  ModelPriceTable,
  ProviderModelMapTable,
  UnmatchedInferenceTable,
  UsageRepricePendingTable,
  UsageRollupHourlyTable,
} from '../registry/usage/usage.table.ts';
import type { ApiTokenTable, OrganizationColumns, UserTable } from '../registry/user/user.table.ts';
import type {
  WebhookDeliveryTable,
  WebhookEventActionTable,
  WebhookTable,
} from '../registry/webhook/webhook.table.ts';

export interface Database {
  organization: OrganizationColumns;
  user: UserTable;
  api_token: ApiTokenTable;
  model: ModelTable;
  model_version: ModelVersionTable;
  model_alias: ModelAliasTable;
  dataset: DatasetTable;
  deployment: DeploymentTable;
  experiment: ExperimentTable;
  edge: EdgeTable;
  lineage_walk: LineageWalkTable;
  lineage_walk_node: LineageWalkNodeTable;
  audit_event: AuditEventTable;
  budget: BudgetTable;
  budget_refusal: BudgetRefusalTable;
  metric_alert: MetricAlertTable;
  metric_point: MetricPointTable;
  model_price: ModelPriceTable;
  inference_request: InferenceRequestTable;
  auto_promotion_rule: AutoPromotionRuleTable;
  usage_rollup_hourly: UsageRollupHourlyTable;
  usage_reprice_pending: UsageRepricePendingTable;
  provider_model_map: ProviderModelMapTable;
  unmatched_inference: UnmatchedInferenceTable;
  inference_score: InferenceScoreTable;
  approval: ApprovalTable;
  compliance_check: ComplianceCheckTable;
  promotion_policy: PromotionPolicyTable;
  dataset_governance: DatasetGovernanceTable;
  erasure_request: ErasureRequestTable;
  artifact: ArtifactTable;
  artifact_part: ArtifactPartTable;
  model_version_embedding: ModelVersionEmbeddingTable;
  vector_entry: VectorEntryTable;
  idempotency_key: IdempotencyKeyTable;
  experiment_tag: ExperimentTagTable;
  run: RunTable;
  run_param: RunParamTable;
  run_tag: RunTagTable;
  run_metric: RunMetricTable;
  run_latest_metric: RunMetricTable;
  run_input: RunInputTable;
  model_tag: KeyValueTagTable & { model_id: string };
  model_version_tag: KeyValueTagTable & { version_id: string };
  webhook: WebhookTable;
  webhook_delivery: WebhookDeliveryTable;
  webhook_event_action: WebhookEventActionTable;
}
