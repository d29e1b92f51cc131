// Automatic promotion: an opt-in rule per model; a run compares the model's versions as A/B arms
// and, when one wins significantly, promotes it through promoteModelVersion, the same gate a
// person's modelVersionPromote goes through (so an approval gate applies to it alike). Every
// decision of a real run, promoted or not, is written to the audit trail with its statistics; a
// promotion and its decision record are one D1 batch. runDueAutoPromotions is the cron job.
import type { Viewer } from '../../auth/viewer.ts';
import { type BatchQuery, runBatch } from '../../db/batch.ts';
import {
  type AuditEntry,
  insertAuditEvent,
  insertAuditEventWhere,
} from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError, RegistryError, ValidationError } from '../errors.ts';
import { findExperimentsByIds } from '../experiment/experiment.repository.ts';
import { requirePromotionApproval } from '../governance/promotion.service.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { nowIso } from '../ids.ts';
import type { TimeRange } from '../metrics/metrics.ts';
import {
  findAliasesByModelIds,
  findModelsByIds,
  findVersionsByIds,
} from '../model/model.repository.ts';
import { aliasMoveStatements } from '../model/model.service.ts';
import { PRODUCTION_ALIAS } from '../model/model.ts';
import {
  type AbTestReport,
  type ArmSummary,
  compareArms,
  decideWinner,
} from './analysis.service.ts';
import {
  findDueRules,
  findRulesByModelIds,
  markRuleEvaluated,
  upsertRule,
} from './usage.repository.ts';
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
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: AutoPromotionRuleInput,
  claim?: IdempotencyClaim,
): Promise<AutoPromotionRule> {
  const alpha = input.significanceLevel ?? 0.05;
  if (!(alpha > 0 && alpha < 0.5)) {
    throw new ValidationError('Must be between 0 and 0.5 (exclusive)', ['significanceLevel']);
  }
  const minSamples = input.minSamples ?? 30;
  if (!Number.isInteger(minSamples) || minSamples < 2 || minSamples > 1_000_000) {
    throw new ValidationError('Must be a whole number between 2 and 1,000,000', ['minSamples']);
  }
  const positive = (value: number | null | undefined, field: string, allowZero: boolean) => {
    if (value === null || value === undefined) return null;
    if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
      throw new ValidationError(
        `Must be a finite number ${allowZero ? 'of at least 0' : 'above 0'}`,
        [field],
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
      'objective',
    ]);
  }
  const [model] = await findModelsByIds(deps.db, viewer.orgId, [input.modelId]);
  if (!model) throw new NotFoundError('No model with this id', ['modelId'], input.modelId, 'Model');
  if (input.experimentId) {
    const [experiment] = await findExperimentsByIds(deps.db, viewer.orgId, [input.experimentId]);
    if (!experiment) {
      throw new NotFoundError(
        'No experiment with this id',
        ['experimentId'],
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
    // A new or changed rule is due at the next scheduled run.
    last_evaluated_at: null,
  };
  const snapshot = (rule: AutoPromotionRuleTable) => {
    const {
      org_id: _org,
      updated_at: _at,
      updated_by: _by,
      last_evaluated_at: _evaluated,
      ...rest
    } = rule;
    return rest;
  };
  const rule = toAutoPromotionRule(row);
  await runBatch(deps.d1, [
    ...claimWrites(deps.db, claim, rule),
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
  return rule;
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
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: {
    modelId: string;
    range: TimeRange;
    dryRun: boolean;
    /** Outcomes whose decision is audited (default: all); a promotion is always audited. */
    auditOutcomes?: readonly PromotionOutcome[];
    /**
     * What the scheduled job read once for all its rules: the rule and the production version
     * (the model's existence checked by the caller). Read here when absent.
     */
    preloaded?: PreloadedRule;
    /**
     * Stamps the rule's last_evaluated_at in the decision's own batch (alone when the outcome
     * writes nothing); real runs only.
     */
    evaluatedAt?: string;
  },
): Promise<PromotionDecision> {
  const { ruleRow, productionVersionId } =
    input.preloaded ?? (await readRule(deps, viewer, input.modelId));
  const model = { id: ruleRow.model_id };
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
  const previousVersionId = productionVersionId;
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

  const decision = (finalOutcome: PromotionOutcome, finalReason: string) => ({
    orgId: viewer.orgId,
    actorId: viewer.userId,
    action: 'autoPromotion.decide',
    subjectId: model.id,
    subjectKind: 'Model',
    before: { productionVersionId: previousVersionId },
    after: {
      outcome: finalOutcome,
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
    reason: finalReason,
  });
  const audited = (o: PromotionOutcome) => !input.auditOutcomes || input.auditOutcomes.includes(o);
  const stamp = input.evaluatedAt ? [markRuleEvaluated(deps.db, model.id, input.evaluatedAt)] : [];

  if (outcome === 'PROMOTED' && verdict.winner) {
    try {
      await promoteWithDecision(deps, viewer, {
        modelId: model.id,
        versionId: verdict.winner,
        previousVersionId,
        reason: `Automatic promotion: ${verdict.reason}`,
        decision: decision('PROMOTED', reason),
        alsoWrite: stamp,
      });
      return { ...base, outcome, reason };
    } catch (error) {
      // The gate said no (missing approval, a concurrent move...): recorded as REFUSED, as data.
      if (!(error instanceof RegistryError)) throw error;
      outcome = 'REFUSED';
      reason = `The promotion gate refused: ${error.message}`;
    }
  }
  await runBatch(deps.d1, [
    ...(audited(outcome) ? [insertAuditEvent(deps.db, decision(outcome, reason))] : []),
    ...stamp,
  ]);
  return { ...base, outcome, reason };
}

/** The rule and production version runAutoPromotion works from. */
export interface PreloadedRule {
  ruleRow: AutoPromotionRuleTable;
  productionVersionId: string | null;
}

/** A person's run: the model (in the viewer's organization), its rule and production version. */
async function readRule(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  modelId: string,
): Promise<PreloadedRule> {
  const [model] = await findModelsByIds(deps.db, viewer.orgId, [modelId]);
  if (!model) throw new NotFoundError('No model with this id', ['modelId'], modelId, 'Model');
  const [[ruleRow], [production]] = await Promise.all([
    findRulesByModelIds(deps.db, viewer.orgId, [model.id]),
    findAliasesByModelIds(deps.db, viewer.orgId, [model.id], PRODUCTION_ALIAS),
  ]);
  if (!ruleRow) {
    throw new ConflictError(
      'This model has no automatic promotion rule; set one with autoPromotionRuleSet',
      ['modelId'],
    );
  }
  return { ruleRow, productionVersionId: production?.version_id ?? null };
}

/**
 * Moves the production alias to the winner through the promotion gate a person's
 * modelVersionPromote uses (requirePromotionApproval: no approval, no promotion), writing in ONE
 * D1 batch the same statements promoteModelVersion writes (its model.promote audit event, the
 * model's updated_at, the alias) and the autoPromotion.decide audit event: all of them or none.
 * Every statement is guarded by "the alias still points where it did when read", so a concurrent
 * move makes the whole batch a no-op, reported as ConflictError.
 */
async function promoteWithDecision(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: {
    modelId: string;
    versionId: string;
    previousVersionId: string | null;
    reason: string;
    decision: AuditEntry;
    /** Unguarded statements of the same batch (the scheduled job's evaluated stamp). */
    alsoWrite: readonly BatchQuery[];
  },
): Promise<void> {
  const path = ['modelId'];
  const [version] = await findVersionsByIds(deps.db, viewer.orgId, [input.versionId]);
  if (!version || version.model_id !== input.modelId) {
    throw new NotFoundError('The winning version is gone', path, input.versionId, 'ModelVersion');
  }
  if (version.status === 'ARCHIVED') {
    throw new ConflictError(`The winning version ${version.version} is archived`, path);
  }
  const gate = await requirePromotionApproval(deps.db, viewer.orgId, version, path);
  const results = await runBatch(
    deps.d1,
    aliasMoveStatements(deps.db, viewer, {
      modelId: input.modelId,
      alias: PRODUCTION_ALIAS,
      version,
      previousVersionId: input.previousVersionId,
      action: 'model.promote',
      reason: input.reason,
      auditAfter: gate.approvalId ? { approvalId: gate.approvalId } : {},
      now: nowIso(),
      alsoGuarded: (unmoved) => [insertAuditEventWhere(deps.db, input.decision, unmoved)],
    }).concat(input.alsoWrite),
  );
  if (results[0]?.meta.changes === 0) {
    throw new ConflictError(
      'The production alias was moved by another request meanwhile; nothing was promoted',
      path,
    );
  }
}

/** Rules one cron run evaluates at most (each costs about 6 D1 statements). */
export const RULES_PER_SCHEDULED_RUN = 25;
/** The window a scheduled evaluation compares: the last 7 days before the trigger. */
export const SCHEDULED_WINDOW_DAYS = 7;
/**
 * What a scheduled run writes to the audit trail: promotions and refusals. A rule without a
 * winner is evaluated every 15 minutes; recording each "no winner" would bury the trail.
 */
const SCHEDULED_AUDIT: readonly PromotionOutcome[] = ['PROMOTED', 'REFUSED'];

export interface ScheduledPromotionResult {
  orgId: string;
  modelId: string;
  outcome: PromotionOutcome | 'FAILED';
  reason: string;
}

/**
 * The cron job: evaluates the enabled rules least recently evaluated first (at most
 * RULES_PER_SCHEDULED_RUN, across organizations) over the last SCHEDULED_WINDOW_DAYS, and promotes
 * when a rule finds a significant winner, exactly as autoPromotionRun with dryRun false would,
 * acting as the user who last set the rule (the audit names them, the reason says "Automatic").
 * A rule that fails is reported and the others still run; each evaluated rule is stamped so the
 * next run moves on to the others, in the same D1 batch as its decision's writes. The models and
 * production aliases are read once per organization for all its due rules, not per rule.
 */
export async function runDueAutoPromotions(
  deps: Pick<Deps, 'db' | 'd1'>,
  at: Date,
  limit = RULES_PER_SCHEDULED_RUN,
): Promise<ScheduledPromotionResult[]> {
  const due = await findDueRules(deps.db, limit);
  // Read once per organization for all its due rules: which models exist, their production.
  const byOrg = new Map<string, string[]>();
  for (const rule of due)
    byOrg.set(rule.org_id, [...(byOrg.get(rule.org_id) ?? []), rule.model_id]);
  const existing = new Set<string>();
  const production = new Map<string, string>();
  await Promise.all(
    [...byOrg].map(async ([orgId, modelIds]) => {
      const [models, aliases] = await Promise.all([
        findModelsByIds(deps.db, orgId, modelIds),
        findAliasesByModelIds(deps.db, orgId, modelIds, PRODUCTION_ALIAS),
      ]);
      for (const model of models) existing.add(model.id);
      for (const alias of aliases) production.set(alias.model_id, alias.version_id);
    }),
  );
  const range: TimeRange = {
    from: new Date(at.getTime() - SCHEDULED_WINDOW_DAYS * 86_400_000).toISOString(),
    to: at.toISOString(),
  };
  const results: ScheduledPromotionResult[] = [];
  const evaluatedAt = at.toISOString();
  for (const rule of due) {
    const base = { orgId: rule.org_id, modelId: rule.model_id };
    try {
      if (!rule.updated_by) throw new Error('The rule names no user to act as');
      if (!existing.has(rule.model_id))
        throw new Error('The rule’s model is not in its organization');
      const viewer: Viewer = {
        userId: rule.updated_by,
        orgId: rule.org_id,
        role: 'ADMIN',
        tokenId: 'scheduled',
        // The cron run's webhook sweep (src/scheduled.ts) sends what these decisions announce.
        webhooks: false,
        // Promotion tracks no requests: no budget applies.
        budgets: false,
      };
      const decision = await runAutoPromotion(deps, viewer, {
        modelId: rule.model_id,
        range,
        dryRun: false,
        auditOutcomes: SCHEDULED_AUDIT,
        preloaded: { ruleRow: rule, productionVersionId: production.get(rule.model_id) ?? null },
        evaluatedAt,
      });
      results.push({ ...base, outcome: decision.outcome, reason: decision.reason });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`auto-promotion of model ${rule.model_id} failed: ${message}`);
      results.push({ ...base, outcome: 'FAILED', reason: message });
      // Nothing of the decision was written: stamp the rule alone, so the next run moves on.
      await markRuleEvaluated(deps.db, rule.model_id, evaluatedAt).execute();
    }
  }
  return results;
}
