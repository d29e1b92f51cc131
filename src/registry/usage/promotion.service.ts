// Automatic promotion: an opt-in rule per model; a run compares the model's versions as A/B arms
// and, when one wins significantly, promotes it through promoteModelVersion, the same gate a
// person's modelVersionPromote goes through (so an approval gate applies to it alike). Every
// decision of a real run, promoted or not, is written to the audit trail with its statistics.
import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import { ConflictError, NotFoundError, RegistryError, ValidationError } from '../errors.ts';
import { findExperimentsByIds } from '../experiment/experiment.repository.ts';
import { insertAuditEvent } from '../governance/audit.repository.ts';
import { nowIso } from '../ids.ts';
import type { TimeRange } from '../metrics/metrics.ts';
import { findAliasesByModelIds, findModelsByIds } from '../model/model.repository.ts';
import { type Deps, promoteModelVersion } from '../model/model.service.ts';
import { PRODUCTION_ALIAS } from '../model/model.ts';
import {
  type AbTestReport,
  type ArmSummary,
  compareArms,
  decideWinner,
} from './analysis.service.ts';
import { findRulesByModelIds, upsertRule } from './usage.repository.ts';
import type { AutoPromotionRuleTable } from './usage.table.ts';
import { type AutoPromotionRule, type PromotionObjective, toAutoPromotionRule } from './usage.ts';

export interface AutoPromotionRuleInput {
  modelId: string;
  objective: PromotionObjective;
  significanceLevel?: number | null;
  minSamples?: number | null;
  maxLatencyMs?: number | null;
  maxCostUsd?: number | null;
  experimentId?: string | null;
  enabled?: boolean | null;
}

/** Creates or replaces a model's rule, audited in the same batch. */
export async function setAutoPromotionRule(
  deps: Deps,
  viewer: Viewer,
  input: AutoPromotionRuleInput,
): Promise<AutoPromotionRule> {
  const alpha = input.significanceLevel ?? 0.05;
  if (!(alpha > 0 && alpha < 0.5)) {
    throw new ValidationError('Must be between 0 and 0.5 (exclusive)', [
      'input',
      'significanceLevel',
    ]);
  }
  const minSamples = input.minSamples ?? 30;
  if (!Number.isInteger(minSamples) || minSamples < 2 || minSamples > 1_000_000) {
    throw new ValidationError('Must be a whole number between 2 and 1,000,000', [
      'input',
      'minSamples',
    ]);
  }
  const positive = (value: number | null | undefined, field: string, allowZero: boolean) => {
    if (value === null || value === undefined) return null;
    if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
      throw new ValidationError(
        `Must be a finite number ${allowZero ? 'of at least 0' : 'above 0'}`,
        ['input', field],
      );
    }
    return value;
  };
  const maxLatencyMs = positive(input.maxLatencyMs, 'maxLatencyMs', false);
  const maxCostUsd = positive(input.maxCostUsd, 'maxCostUsd', true);
  if (
    input.objective === 'QUALITY_UNDER_CEILINGS' &&
    maxLatencyMs === null &&
    maxCostUsd === null
  ) {
    throw new ValidationError('QUALITY_UNDER_CEILINGS needs maxLatencyMs, maxCostUsd or both', [
      'input',
      'objective',
    ]);
  }
  const [model] = await findModelsByIds(deps.db, viewer.orgId, [input.modelId]);
  if (!model)
    throw new NotFoundError('No model with this id', ['input', 'modelId'], input.modelId, 'Model');
  if (input.experimentId) {
    const [experiment] = await findExperimentsByIds(deps.db, viewer.orgId, [input.experimentId]);
    if (!experiment) {
      throw new NotFoundError(
        'No experiment with this id',
        ['input', 'experimentId'],
        input.experimentId,
        'Experiment',
      );
    }
  }
  const [before] = await findRulesByModelIds(deps.db, viewer.orgId, [model.id]);
  const row: AutoPromotionRuleTable = {
    model_id: model.id,
    org_id: viewer.orgId,
    objective: input.objective,
    significance_level: alpha,
    min_samples: minSamples,
    max_latency_ms: maxLatencyMs,
    max_cost_usd: maxCostUsd,
    experiment_id: input.experimentId ?? null,
    enabled: input.enabled === false ? 0 : 1,
    updated_at: nowIso(),
    updated_by: viewer.userId,
  };
  const snapshot = (rule: AutoPromotionRuleTable) => {
    const { org_id: _org, updated_at: _at, updated_by: _by, ...rest } = rule;
    return rest;
  };
  await runBatch(deps.d1, [
    upsertRule(deps.db, row),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'autoPromotionRule.set',
      subjectId: model.id,
      subjectKind: 'Model',
      before: before ? snapshot(before) : null,
      after: snapshot(row),
    }),
  ]);
  return toAutoPromotionRule(row);
}

export type PromotionOutcome =
  | 'PROMOTED'
  | 'WOULD_PROMOTE'
  | 'ALREADY_PRODUCTION'
  | 'NO_WINNER'
  | 'REFUSED'
  | 'RULE_DISABLED';

export interface PromotionDecision {
  modelId: string;
  outcome: PromotionOutcome;
  dryRun: boolean;
  winnerVersionId: string | null;
  previousVersionId: string | null;
  /** Arms that met the rule's latency and cost ceilings (all arms for QUALITY_PER_DOLLAR). */
  eligibleVersionIds: string[];
  report: AbTestReport;
  reason: string;
  rule: AutoPromotionRule;
}

function withinCeilings(arm: ArmSummary, rule: AutoPromotionRule): boolean {
  if (
    rule.maxLatencyMs !== null &&
    (arm.latency.p95 === null || arm.latency.p95 > rule.maxLatencyMs)
  ) {
    return false;
  }
  if (rule.maxCostUsd !== null && (arm.cost.n === 0 || arm.cost.mean > rule.maxCostUsd))
    return false;
  return true;
}

/**
 * Evaluates a model's rule over [from, to): the model's versions are the arms (restricted to the
 * rule's experiment when it names one). With dryRun nothing is written; otherwise a significant
 * winner that is not yet production is promoted through promoteModelVersion as `viewer`, and the
 * decision (outcome, rule, per-arm statistics, verdict) is audited as autoPromotion.decide.
 */
export async function runAutoPromotion(
  deps: Deps,
  viewer: Viewer,
  input: { modelId: string; range: TimeRange; dryRun: boolean },
): Promise<PromotionDecision> {
  const [model] = await findModelsByIds(deps.db, viewer.orgId, [input.modelId]);
  if (!model)
    throw new NotFoundError('No model with this id', ['input', 'modelId'], input.modelId, 'Model');
  const [ruleRow] = await findRulesByModelIds(deps.db, viewer.orgId, [model.id]);
  if (!ruleRow) {
    throw new ConflictError(
      'This model has no automatic promotion rule; set one with autoPromotionRuleSet',
      ['input', 'modelId'],
    );
  }
  const rule = toAutoPromotionRule(ruleRow);
  const objective = rule.objective === 'QUALITY_PER_DOLLAR' ? 'QUALITY_PER_DOLLAR' : 'QUALITY';
  const report = await compareArms(deps.db, viewer.orgId, {
    arms: rule.experimentId
      ? {
          kind: 'experiment',
          experimentId: rule.experimentId,
          armColumn: 'version_id',
          modelId: model.id,
        }
      : { kind: 'versions', modelId: model.id, ids: null },
    range: input.range,
    alpha: rule.significanceLevel,
    power: 0.8,
    objective,
    minSamples: rule.minSamples,
  });
  // Arms are this model's versions only (an experiment may span models).
  const eligible =
    rule.objective === 'QUALITY_UNDER_CEILINGS'
      ? report.arms.filter((arm) => withinCeilings(arm, rule))
      : report.arms;
  const verdict = decideWinner(eligible, objective, rule.significanceLevel, 0.8, rule.minSamples);
  const decidedReport = { ...report, verdict };
  const [production] = await findAliasesByModelIds(
    deps.db,
    viewer.orgId,
    [model.id],
    PRODUCTION_ALIAS,
  );
  const previousVersionId = production?.version_id ?? null;
  const base = {
    modelId: model.id,
    dryRun: input.dryRun,
    winnerVersionId: verdict.winner,
    previousVersionId,
    eligibleVersionIds: eligible.map((arm) => arm.key),
    report: decidedReport,
    rule,
  };
  let outcome: PromotionOutcome;
  let reason = verdict.reason;
  if (!rule.enabled) {
    outcome = 'RULE_DISABLED';
    reason = 'The rule is disabled; nothing is promoted';
  } else if (verdict.outcome !== 'WINNER' || verdict.winner === null) {
    outcome = 'NO_WINNER';
  } else if (verdict.winner === previousVersionId) {
    outcome = 'ALREADY_PRODUCTION';
    reason = `${verdict.reason}; it is already the production version`;
  } else if (input.dryRun) {
    outcome = 'WOULD_PROMOTE';
  } else {
    outcome = 'PROMOTED';
  }
  if (input.dryRun) return { ...base, outcome, reason };

  if (outcome === 'PROMOTED' && verdict.winner) {
    try {
      await promoteModelVersion(deps, viewer, {
        versionId: verdict.winner,
        reason: `Automatic promotion: ${verdict.reason}`,
      });
    } catch (error) {
      // The gate said no (missing approval, a concurrent move...): recorded as REFUSED, as data.
      if (!(error instanceof RegistryError)) throw error;
      outcome = 'REFUSED';
      reason = `The promotion gate refused: ${error.message}`;
    }
  }
  await runBatch(deps.d1, [
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'autoPromotion.decide',
      subjectId: model.id,
      subjectKind: 'Model',
      before: { productionVersionId: previousVersionId },
      after: {
        outcome,
        winnerVersionId: verdict.winner,
        rule: {
          objective: rule.objective,
          significanceLevel: rule.significanceLevel,
          minSamples: rule.minSamples,
          maxLatencyMs: rule.maxLatencyMs,
          maxCostUsd: rule.maxCostUsd,
          experimentId: rule.experimentId,
        },
        range: input.range,
        verdict,
        arms: report.arms.map((arm) => ({
          versionId: arm.key,
          requests: arm.requests,
          errorRate: arm.errorRate,
          quality: { n: arm.quality.n, mean: arm.quality.mean, ci: arm.quality.ci },
          qualityPerDollar: { n: arm.qualityPerDollar.n, mean: arm.qualityPerDollar.mean },
          latencyP95: arm.latency.p95,
          meanCostUsd: arm.cost.n ? arm.cost.mean : null,
          eligible: eligible.includes(arm),
        })),
      },
      reason,
    }),
  ]);
  return { ...base, outcome, reason };
}
