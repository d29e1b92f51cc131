// The Durable Object that counts one budget's spend (wrangler.jsonc durable_objects, SQLite
// storage; one object per budget, named by its id). The rules are in
// src/registry/budget/budget-ledger.ts; this class wires them to the object's storage and seeds a
// period from D1 the first time it is asked about it.
import { DurableObject } from 'cloudflare:workers';
import { createDb } from './db/client.ts';
import {
  findAnnouncedThresholds,
  findRecordedReservationKeys,
  sumSpend,
} from './registry/budget/budget.repository.ts';
import type {
  BudgetTerms,
  PeriodState,
  ReconcileResult,
  ReleaseRequest,
  ReserveRequest,
  ReserveResult,
  SettleResult,
} from './registry/budget/budget.ts';
import {
  claimReached,
  createLedgerTables,
  hasPeriod,
  type LedgerSql,
  periodState,
  release,
  reserve,
  seedPeriod,
  settleReservations,
  staleReservations,
} from './registry/budget/budget-ledger.ts';

export class BudgetCounter extends DurableObject<Env> {
  private readonly sql: LedgerSql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql as unknown as LedgerSql;
    createLedgerTables(this.sql);
  }

  /**
   * The period's state, seeded from D1 when new: what is already recorded for the scope in the
   * period (a budget set mid-period, or an object that lost its storage) and the thresholds
   * already announced. No other call runs while it seeds, so none reserves on a half-known state.
   */
  private async ensurePeriod(terms: BudgetTerms, start: string, end: string): Promise<void> {
    if (hasPeriod(this.sql, start)) return;
    await this.ctx.blockConcurrencyWhile(async () => {
      if (hasPeriod(this.sql, start)) return;
      const db = createDb(this.env.DB);
      const [spentUsd, announced] = await Promise.all([
        sumSpend(db, terms.orgId, terms, { from: start, to: end }),
        findAnnouncedThresholds(db, terms.orgId, terms.id, start),
      ]);
      seedPeriod(this.sql, start, { spentUsd, announced });
    });
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    await this.ensurePeriod(request.terms, request.periodStart, request.periodEnd);
    return reserve(this.sql, request.terms, request.periodStart, request.holder, request.items);
  }

  async release(request: ReleaseRequest): Promise<void> {
    release(this.sql, request.periodStart, request.holder, request.keys);
  }

  async state(terms: BudgetTerms, period: { start: string; end: string }): Promise<PeriodState> {
    await this.ensurePeriod(terms, period.start, period.end);
    return periodState(this.sql, period.start);
  }

  /**
   * Checks reservations made before `before` against D1 (the scheduled job): recorded ones are
   * forgotten, so the object's storage holds only recent calls; those D1 never got (a Worker died
   * between reservation and batch) give their cost back. Then the period's spend is read (seeded
   * from D1 if the object lost its state) and the thresholds it reaches that no call announced are
   * marked for `holder`: the job's whole catch-up in one round trip.
   */
  async reconcile(
    terms: BudgetTerms,
    period: { start: string; end: string },
    before: string,
    holder: string,
  ): Promise<ReconcileResult> {
    const settled = await this.settle(terms, before);
    await this.ensurePeriod(terms, period.start, period.end);
    return {
      settled,
      spentUsd: periodState(this.sql, period.start).spentUsd,
      thresholds: claimReached(this.sql, terms, period.start, holder),
    };
  }

  private async settle(terms: BudgetTerms, before: string): Promise<SettleResult> {
    const total = { forgotten: 0, released: 0, releasedUsd: 0 };
    const db = createDb(this.env.DB);
    for (;;) {
      const listed = staleReservations(this.sql, before, SETTLE_PAGE);
      if (listed.length === 0) break;
      const recorded = await findRecordedReservationKeys(
        db,
        terms.orgId,
        listed.map((row) => row.key),
      );
      const done = settleReservations(this.sql, listed, recorded);
      total.forgotten += done.forgotten;
      total.released += done.released;
      total.releasedUsd += done.releasedUsd;
      // Rows another call joined meanwhile stay; stop rather than list them again.
      if (done.forgotten + done.released < listed.length || listed.length < SETTLE_PAGE) break;
    }
    return total;
  }
}

/** Reservations checked against D1 per statement. */
const SETTLE_PAGE = 500;
