// Budgets (issue 19): spend limits per organization, model, API token or experiment and period,
// counted at track time by one Durable Object per budget (BudgetCounters) so that concurrent
// tracking calls never overshoot an enforced limit, with threshold events written to the audit
// trail in the same D1 batch as the requests that crossed them (docs/budgets.md).
import type { Viewer } from '../../auth/viewer.ts';
import { type BatchQuery, runBatch } from '../../db/batch.ts';
import { type AuditEntry, insertAuditEvent, insertAuditEvents } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { ConflictError, NotFoundError, RegistryError, ValidationError } from '../errors.ts';
import { findExperimentsByIds } from '../experiment/experiment.repository.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { findModelsByIds } from '../model/model.repository.ts';
import { findTokensByIds } from '../user/user.repository.ts';
import {
  addRefusal,
  deleteBudget,
  deleteRefusalsOfBudget,
  findBudgetById,
  findBudgetByKey,
  findBudgetsOfOrganization,
  findOrganizationIdsWithBudgets,
  MAX_BUDGETS_PER_ORGANIZATION,
  upsertBudget,
} from './budget.repository.ts';
import type { BudgetTable } from './budget.table.ts';
import {
  BUDGET_PERIODS,
  BUDGET_SCOPES,
  type Budget,
  type BudgetItem,
  type BudgetPeriod,
  type BudgetScope,
  DEFAULT_THRESHOLDS,
  periodOf,
  type ReserveResult,
  SCOPE_KINDS,
  termsOf,
  toBudget,
} from './budget.ts';

/** Largest limit accepted (USD): above it the number is a mistake, not a budget. */
const MAX_LIMIT_USD = 1_000_000_000;
const MAX_THRESHOLDS = 10;

/** An enforced budget refused the request: nothing of the call was recorded. */
export class BudgetExceededError extends RegistryError {
  readonly budget: Budget;
  readonly limitUsd: number;
  /** Spend of the period before the refused call. */
  readonly spentUsd: number;
  /** What the refused call would have added. */
  readonly requestedUsd: number;
  readonly periodStart: Date;

  constructor(
    budget: Budget,
    spend: { spentUsd: number; requestedUsd: number; periodStart: Date },
    path: readonly string[] = [],
  ) {
    super(
      `The ${budget.period.toLowerCase()} budget of ${budget.limitUsd} USD (${budget.scope}) would be exceeded: ${round(spend.spentUsd)} spent, this call adds ${round(spend.requestedUsd)}`,
      path,
    );
    this.budget = budget;
    this.limitUsd = budget.limitUsd;
    this.spentUsd = spend.spentUsd;
    this.requestedUsd = spend.requestedUsd;
    this.periodStart = spend.periodStart;
  }
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export interface BudgetSetInput {
  scope: BudgetScope;
  /** Row id of the model, API token or experiment; null for ORGANIZATION. */
  scopeId: string | null;
  period: BudgetPeriod;
  limitUsd: number;
  thresholds?: readonly number[] | null;
  enforce?: boolean | null;
}

function requireThresholds(values: readonly number[] | null | undefined): number[] {
  if (values === null || values === undefined) return [...DEFAULT_THRESHOLDS];
  if (values.length > MAX_THRESHOLDS) {
    throw new ValidationError(`At most ${MAX_THRESHOLDS} thresholds`, ['thresholds']);
  }
  values.forEach((value, index) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
      throw new ValidationError('Must be a fraction of the limit in (0, 1]', [
        'thresholds',
        String(index),
      ]);
    }
    const previous = values[index - 1];
    if (previous !== undefined && value <= previous) {
      throw new ValidationError('Thresholds must be strictly increasing, without duplicates', [
        'thresholds',
        String(index),
      ]);
    }
  });
  return [...values];
}

async function requireScope(
  deps: Pick<Deps, 'db'>,
  orgId: string,
  scope: BudgetScope,
  scopeId: string | null,
): Promise<string> {
  if (!(BUDGET_SCOPES as readonly string[]).includes(scope)) {
    throw new ValidationError(`Must be one of ${BUDGET_SCOPES.join(', ')}`, ['scope']);
  }
  if (scope === 'ORGANIZATION') {
    if (scopeId !== null) {
      throw new ValidationError('An ORGANIZATION budget takes no scopeId', ['scopeId']);
    }
    return '';
  }
  const kind = SCOPE_KINDS[scope];
  if (scopeId === null) throw new ValidationError(`A ${scope} budget needs a scopeId`, ['scopeId']);
  const rows =
    scope === 'MODEL'
      ? await findModelsByIds(deps.db, orgId, [scopeId])
      : scope === 'EXPERIMENT'
        ? await findExperimentsByIds(deps.db, orgId, [scopeId])
        : await findTokensByIds(deps.db, orgId, [scopeId]);
  if (rows.length === 0) {
    throw new NotFoundError(`No ${kind} with this id`, ['scopeId'], scopeId, kind);
  }
  return scopeId;
}

function snapshot(row: BudgetTable) {
  return {
    scope: row.scope,
    scopeId: row.scope_id === '' ? null : row.scope_id,
    period: row.period,
    limitUsd: row.limit_usd,
    thresholds: JSON.parse(row.thresholds) as number[],
    enforce: row.enforce === 1,
  };
}

/**
 * Sets the budget of a scope and period (the same scope, id and period again changes its limit,
 * thresholds and enforcement; the period's spend and announced thresholds carry over). Admins;
 * audited in the same batch.
 */
export async function setBudget(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: BudgetSetInput,
  claim?: IdempotencyClaim,
): Promise<Budget> {
  if (!(BUDGET_PERIODS as readonly string[]).includes(input.period)) {
    throw new ValidationError(`Must be one of ${BUDGET_PERIODS.join(', ')}`, ['period']);
  }
  if (
    typeof input.limitUsd !== 'number' ||
    !Number.isFinite(input.limitUsd) ||
    input.limitUsd <= 0 ||
    input.limitUsd > MAX_LIMIT_USD
  ) {
    throw new ValidationError(`Must be a positive amount of at most ${MAX_LIMIT_USD} USD`, [
      'limitUsd',
    ]);
  }
  const thresholds = requireThresholds(input.thresholds);
  const scopeId = await requireScope(deps, viewer.orgId, input.scope, input.scopeId);
  const key = { scope: input.scope, scopeId, period: input.period };
  const [before, all] = await Promise.all([
    findBudgetByKey(deps.db, viewer.orgId, key),
    findBudgetsOfOrganization(deps.db, viewer.orgId),
  ]);
  if (!before && all.length >= MAX_BUDGETS_PER_ORGANIZATION) {
    throw new ConflictError(
      `An organization holds at most ${MAX_BUDGETS_PER_ORGANIZATION} budgets; delete one first`,
      [],
    );
  }
  const now = nowIso();
  const row: BudgetTable = {
    id: before?.id ?? newId(),
    org_id: viewer.orgId,
    scope: input.scope,
    scope_id: scopeId,
    period: input.period,
    limit_usd: input.limitUsd,
    thresholds: JSON.stringify(thresholds),
    enforce: input.enforce ? 1 : 0,
    created_at: before?.created_at ?? now,
    created_by: before ? before.created_by : viewer.userId,
    updated_at: now,
  };
  const budget = toBudget(row);
  await runBatch(deps.d1, [
    ...claimWrites(deps.db, claim, budget),
    upsertBudget(deps.db, row),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'budget.set',
      subjectId: row.id,
      subjectKind: 'Budget',
      before: before ? snapshot(before) : null,
      after: snapshot(row),
    }),
  ]);
  return budget;
}

/** Deletes a budget (admins; audited); its counter's state is simply never read again. */
export async function removeBudget(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  id: string,
  claim?: IdempotencyClaim,
): Promise<Budget> {
  const row = await findBudgetById(deps.db, viewer.orgId, id);
  if (!row) throw new NotFoundError('No budget with this id', ['id'], id, 'Budget');
  const budget = toBudget(row);
  await runBatch(deps.d1, [
    ...claimWrites(deps.db, claim, budget),
    deleteRefusalsOfBudget(deps.db, id),
    deleteBudget(deps.db, viewer.orgId, id),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'budget.deleted',
      subjectId: id,
      subjectKind: 'Budget',
      before: snapshot(row),
      after: null,
    }),
  ]);
  return budget;
}

/** One request about to be recorded, as the budgets see it. */
export interface TrackedCost {
  /** The request's de-duplication key: its idempotency key, else its span, else its new row id. */
  key: string;
  modelId: string;
  experimentId: string | null;
  tokenId: string | null;
  costUsd: number | null;
  requestedAt: string;
}

/** The budgets' part of one tracking call: audit writes for its batch, and how to undo it. */
export interface BudgetReservation {
  statements: BatchQuery[];
  release(): Promise<void>;
}

const NO_RESERVATION: BudgetReservation = { statements: [], release: async () => {} };

function applies(budget: Budget, request: TrackedCost): boolean {
  switch (budget.scope) {
    case 'ORGANIZATION':
      return true;
    case 'MODEL':
      return request.modelId === budget.scopeId;
    case 'EXPERIMENT':
      return request.experimentId === budget.scopeId;
    case 'API_TOKEN':
      return request.tokenId === budget.scopeId;
  }
}

function thresholdEvent(
  budget: Budget,
  viewer: Viewer | null,
  period: { start: string },
  threshold: number,
  spentUsd: number,
): AuditEntry {
  return {
    orgId: budget.orgId,
    actorId: viewer?.userId ?? null,
    action: 'budget.thresholdCrossed',
    subjectId: budget.id,
    subjectKind: 'Budget',
    after: {
      budgetId: budget.id,
      scope: budget.scope,
      scopeId: budget.scopeId,
      period: budget.period,
      periodStart: period.start,
      threshold,
      spentUsd: round(spentUsd),
      limitUsd: budget.limitUsd,
    },
  };
}

/**
 * Reserves a tracking call's cost with every budget that applies to it, before its D1 batch:
 * one counter call per budget and period, only when the organization has budgets
 * (viewer.budgets, read by the auth statement); the budgets themselves come with the call's one
 * read of its references (findTrackingReferences), so no D1 statement of its own. Returns the
 * threshold events to write in the call's batch, and the release to run if that batch fails.
 * With an enforced budget that the call would overshoot, every reservation is released, the
 * refusal recorded, and BudgetExceededError thrown.
 */
export async function reserveBudgets(
  deps: Pick<Deps, 'db' | 'd1' | 'budgetCounters'>,
  viewer: Viewer,
  /** The organization's budgets, read by the caller with what else it checks (one statement). */
  rows: readonly BudgetTable[],
  requests: readonly TrackedCost[],
): Promise<BudgetReservation> {
  if (!viewer.budgets || requests.length === 0 || rows.length === 0) return NO_RESERVATION;
  const budgets = rows.map(toBudget);
  const holder = newId();
  type Claim = { budget: Budget; period: { start: string; end: string }; items: BudgetItem[] };
  const claims = new Map<string, Claim>();
  for (const budget of budgets) {
    for (const request of requests) {
      if (!applies(budget, request)) continue;
      const range = periodOf(budget.period, new Date(request.requestedAt));
      const period = { start: range.start.toISOString(), end: range.end.toISOString() };
      const id = `${budget.id}\u0000${period.start}`;
      const claim = claims.get(id) ?? { budget, period, items: [] };
      claim.items.push({ key: request.key, costUsd: request.costUsd ?? 0 });
      claims.set(id, claim);
    }
  }
  if (claims.size === 0) return NO_RESERVATION;
  const list = [...claims.values()];
  const results = await Promise.allSettled(
    list.map((claim) =>
      deps.budgetCounters.reserve({
        terms: termsOf(claim.budget),
        periodStart: claim.period.start,
        periodEnd: claim.period.end,
        holder,
        items: claim.items,
      }),
    ),
  );
  const release = (indexes: readonly number[]) =>
    Promise.allSettled(
      indexes.map((index) => {
        const claim = list[index] as Claim;
        return results[index]?.status === 'fulfilled'
          ? deps.budgetCounters.release(claim.budget.id, {
              periodStart: claim.period.start,
              holder,
              keys: claim.items.map((item) => item.key),
            })
          : Promise.resolve();
      }),
    ).then(() => undefined);
  const everything = list.map((_, index) => index);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) {
    await release(everything);
    throw failed.reason;
  }
  const answers = results.map((result) => (result as PromiseFulfilledResult<ReserveResult>).value);
  const refused = everything.filter((index) => answers[index]?.ok === false);
  if (refused.length === 0) {
    const events = everything.flatMap((index) => {
      const answer = answers[index] as Extract<ReserveResult, { ok: true }>;
      const claim = list[index] as Claim;
      return answer.crossed.map((threshold) =>
        thresholdEvent(claim.budget, viewer, claim.period, threshold, answer.spentAfter),
      );
    });
    return {
      statements: events.length ? [insertAuditEvents(deps.db, events)] : [],
      release: () => release(everything),
    };
  }
  // Nothing of the call is recorded: the budgets that accepted it give their reservation back,
  // and the refusal (with any threshold the refused demand reached first) lands in a batch of its
  // own; if that batch fails, the refused budgets' threshold marks are given back too.
  const accepted = everything.filter((index) => answers[index]?.ok);
  const events: AuditEntry[] = [];
  const writes: BatchQuery[] = [];
  for (const index of refused) {
    const answer = answers[index] as Extract<ReserveResult, { ok: false }>;
    const claim = list[index] as Claim;
    for (const threshold of answer.crossed) {
      events.push(thresholdEvent(claim.budget, viewer, claim.period, threshold, answer.spentUsd));
    }
    writes.push(
      addRefusal(deps.db, {
        budget_id: claim.budget.id,
        period_start: claim.period.start,
        org_id: viewer.orgId,
        refused_count: claim.items.length,
        refused_usd: answer.requestedUsd,
        last_refused_at: nowIso(),
      }),
    );
  }
  if (events.length) writes.push(insertAuditEvents(deps.db, events));
  await release(accepted);
  try {
    await runBatch(deps.d1, writes);
  } catch (error) {
    console.error('budgets: a refusal could not be recorded', error);
    await release(refused);
  }
  const first = refused[0] as number;
  const answer = answers[first] as Extract<ReserveResult, { ok: false }>;
  const claim = list[first] as Claim;
  throw new BudgetExceededError(claim.budget, {
    spentUsd: answer.spentUsd,
    requestedUsd: answer.requestedUsd,
    periodStart: new Date(claim.period.start),
  });
}

/**
 * How old a reservation must be before the job checks it against D1: far longer than any tracking
 * call takes from its reservation to its batch.
 */
const SETTLE_AFTER_MS = 10 * 60_000;

/**
 * The scheduled job's part for budgets: every budget's counter first settles its reservations
 * older than `settleBefore` (default ten minutes before `at`) against D1 - forgetting recorded
 * ones, giving back the cost of those D1 never got - then its running period is looked at (seeded
 * from D1 if it lost its state), and any threshold the spend reaches that no tracking call
 * announced (its batch failed after the reservation, or the counter was re-seeded) is announced
 * now, once, with a system actor. One batch per organization.
 */
export async function announceReachedThresholds(
  deps: Pick<Deps, 'db' | 'd1' | 'budgetCounters'>,
  at: Date,
  settleBefore: Date = new Date(at.getTime() - SETTLE_AFTER_MS),
): Promise<{ budgets: number; announced: number }> {
  const orgs = await findOrganizationIdsWithBudgets(deps.db);
  let count = 0;
  let announced = 0;
  for (const { id: orgId } of orgs) {
    const budgets = (await findBudgetsOfOrganization(deps.db, orgId)).map(toBudget);
    count += budgets.length;
    const holder = `job:${newId()}`;
    const claimed = await Promise.all(
      budgets.map(async (budget) => {
        const range = periodOf(budget.period, at);
        const period = { start: range.start.toISOString(), end: range.end.toISOString() };
        // Reservations old enough to have landed are settled first: those D1 never got give
        // their cost back, so the spend the thresholds are read from is D1's.
        const { settled, spentUsd, thresholds } = await deps.budgetCounters.reconcile(
          termsOf(budget),
          period,
          settleBefore.toISOString(),
          holder,
        );
        if (settled.released > 0) {
          console.warn(
            `budgets: ${settled.released} reservation(s) of budget ${budget.id} never recorded, ${round(settled.releasedUsd)} USD given back`,
          );
        }
        return { budget, period, thresholds, spentUsd };
      }),
    );
    const events = claimed.flatMap((c) =>
      c.thresholds.map((t) => thresholdEvent(c.budget, null, c.period, t, c.spentUsd)),
    );
    if (events.length === 0) continue;
    try {
      await runBatch(deps.d1, [insertAuditEvents(deps.db, events)]);
      announced += events.length;
    } catch (error) {
      await Promise.allSettled(
        claimed.map((c) =>
          deps.budgetCounters.release(c.budget.id, {
            periodStart: c.period.start,
            holder,
            keys: [],
          }),
        ),
      );
      throw error;
    }
  }
  return { budgets: count, announced };
}
