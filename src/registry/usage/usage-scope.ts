// Which requests a usage figure is made of, as one SQL predicate for every table that holds them:
// the raw requests (inference_request) and the hourly tables kept from them by triggers
// (usage_rollup_hourly, usage_latency_hourly), where an absent version or experiment is ''.
import { type RawBuilder, sql } from 'kysely';
import { jsonKeys } from '../keys.ts';

/**
 * The requests of some models, of an experiment (optionally only one model's, or only some
 * models' or versions'), or of versions.
 */
export type UsageScope =
  | { kind: 'models'; ids: readonly string[] }
  | {
      kind: 'experiment';
      experimentId: string;
      modelId?: string | null;
      modelIds?: readonly string[] | null;
      versionIds?: readonly string[] | null;
    }
  | { kind: 'versions'; modelId: string | null; ids: readonly string[] | null }
  /** Every request of the organization (Organization.usage). */
  | { kind: 'organization' };

/** Which requests make up the arms of an A/B comparison, and what tells the arms apart. */
export type ArmSelection =
  | {
      kind: 'experiment';
      experimentId: string;
      armColumn: 'model_id' | 'version_id';
      modelId?: string | null;
      /** Only these arms of the experiment (the seed's experiment_id with model_ids). */
      modelIds?: readonly string[] | null;
      versionIds?: readonly string[] | null;
    }
  | { kind: 'models'; ids: readonly string[] }
  | { kind: 'versions'; modelId: string | null; ids: readonly string[] | null };

export type ArmColumn = 'model_id' | 'version_id';

/** An arm selection as the scope of its requests and the column that names each arm. */
export function armScope(arms: ArmSelection): { scope: UsageScope; column: ArmColumn } {
  switch (arms.kind) {
    case 'experiment':
      return {
        scope: {
          kind: 'experiment',
          experimentId: arms.experimentId,
          modelId: arms.modelId,
          modelIds: arms.modelIds,
          versionIds: arms.versionIds,
        },
        column: arms.armColumn,
      };
    case 'models':
      return { scope: arms, column: 'model_id' };
    case 'versions':
      return { scope: arms, column: 'version_id' };
  }
}

/**
 * The scope as a WHERE predicate (no time condition). `table`: 'raw' for inference_request, where
 * absent ids are NULL; 'hourly' for the trigger-kept tables, where they are ''. `alias` qualifies
 * the columns (e.g. 'r').
 */
export function scopeWhere(
  orgId: string,
  scope: UsageScope,
  table: 'raw' | 'hourly',
  alias?: string,
): RawBuilder<unknown> {
  const col = (name: string) => sql.ref(alias ? `${alias}.${name}` : name);
  const present = (name: string) =>
    table === 'raw' ? sql`${col(name)} IS NOT NULL` : sql`${col(name)} <> ''`;
  switch (scope.kind) {
    case 'organization':
      return sql`${col('org_id')} = ${orgId}`;
    case 'models':
      return sql`${col('org_id')} = ${orgId} AND ${col('model_id')} IN ${jsonKeys(scope.ids)}`;
    case 'experiment':
      // On the hourly tables "experiment_id <> ''" lets SQLite use their partial experiment index.
      return sql`${col('experiment_id')} = ${scope.experimentId}
        ${table === 'hourly' ? sql`AND ${present('experiment_id')}` : sql``}
        AND ${col('org_id')} = ${orgId}
        ${scope.modelId ? sql`AND ${col('model_id')} = ${scope.modelId}` : sql``}
        ${scope.modelIds ? sql`AND ${col('model_id')} IN ${jsonKeys(scope.modelIds)}` : sql``}
        ${scope.versionIds ? sql`AND ${col('version_id')} IN ${jsonKeys(scope.versionIds)}` : sql``}`;
    case 'versions':
      return sql`${col('org_id')} = ${orgId} AND ${present('version_id')}
        ${scope.modelId === null ? sql`` : sql`AND ${col('model_id')} = ${scope.modelId}`}
        ${scope.ids === null ? sql`` : sql`AND ${col('version_id')} IN ${jsonKeys(scope.ids)}`}`;
  }
}
