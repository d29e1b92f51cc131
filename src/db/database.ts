import type { DatasetTable } from '../registry/dataset/dataset.table.ts';
import type { DeploymentTable } from '../registry/deployment/deployment.table.ts';
import type { ExperimentTable } from '../registry/experiment/experiment.table.ts';
import type { AuditEventTable } from '../registry/governance/audit.table.ts';
import type { EdgeTable } from '../registry/lineage/lineage.table.ts';
import type {
  ModelAliasTable,
  ModelTable,
  ModelVersionTable,
} from '../registry/model/model.table.ts';
import type { ApiTokenTable, OrganizationTable, UserTable } from '../registry/user/user.table.ts';

export interface Database {
  organization: OrganizationTable;
  user: UserTable;
  api_token: ApiTokenTable;
  model: ModelTable;
  model_version: ModelVersionTable;
  model_alias: ModelAliasTable;
  dataset: DatasetTable;
  deployment: DeploymentTable;
  experiment: ExperimentTable;
  edge: EdgeTable;
  audit_event: AuditEventTable;
}
