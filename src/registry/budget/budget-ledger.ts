// The arithmetic of one budget's counter, on the Durable Object's own SQLite storage
// (src/budget-counter.ts holds the object; this file holds the rules, so they are tested and read
// in one place). Everything here runs inside the object's single thread: a reservation is checked
// and written with no other call in between, which is what makes an enforced limit hold under
// any concurrency.
import type { BudgetItem, BudgetTerms, PeriodState, ReserveResult } from './budget.ts';

/** The part of SqlStorage the ledger uses. */
export interface LedgerSql {
  exec<T extends Record<string, SqlStorageValue>>(
    query: string,
    ...bindings: unknown[]
  ): { toArray(): T[]; one(): T };
}

/** Float sums of many small costs drift; a limit is met when within a nano-dollar. */
const EPSILON = 1e-9;

export function createLedgerTables(sql: LedgerSql): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS period (
    period_start TEXT PRIMARY KEY,
    spent REAL NOT NULL,
    refused INTEGER NOT NULL DEFAULT 0,
    -- JSON object: threshold -> the holder whose call announces it
    fired TEXT NOT NULL DEFAULT '{}'
  )`);
  sql.exec(`CREATE TABLE IF NOT EXISTS reservation (
    period_start TEXT NOT NULL,
    key TEXT NOT NULL,
    cost REAL NOT NULL,
    -- JSON array of the calls that hold it: a key sent twice at once is counted once
    holders TEXT NOT NULL,
    reserved_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (period_start, key)
  )`);
  // Counters created before reserved_at existed get the column (their rows count as old).
  const columns = sql
    .exec<{ name: string }>('SELECT name FROM pragma_table_info(?)', 'reservation')
    .toArray();
  if (!columns.some((column) => column.name === 'reserved_at')) {
    sql.exec("ALTER TABLE reservation ADD COLUMN reserved_at TEXT NOT NULL DEFAULT ''");
  }
}

type PeriodRow = { period_start: string; spent: number; refused: number; fired: string };

export function hasPeriod(sql: LedgerSql, periodStart: string): boolean {
  return (
    sql.exec('SELECT 1 AS x FROM period WHERE period_start = ?', periodStart).toArray().length > 0
  );
}

/** Periods kept before the newest one: requests around midnight or late ones never re-seed. */
const KEPT_PERIODS_MS = 62 * 86_400_000;

/**
 * Starts a period from what D1 holds (spend and thresholds already announced). Periods more than
 * two months before it are dropped: a request of one is re-seeded from D1 if it ever comes.
 */
export function seedPeriod(
  sql: LedgerSql,
  periodStart: string,
  seed: { spentUsd: number; announced: readonly number[] },
): void {
  if (hasPeriod(sql, periodStart)) return;
  const fired = Object.fromEntries(seed.announced.map((t) => [String(t), 'seed']));
  sql.exec(
    'INSERT INTO period (period_start, spent, refused, fired) VALUES (?, ?, 0, ?)',
    periodStart,
    seed.spentUsd,
    JSON.stringify(fired),
  );
  const cutoff = new Date(Date.parse(periodStart) - KEPT_PERIODS_MS).toISOString();
  sql.exec('DELETE FROM reservation WHERE period_start < ?', cutoff);
  sql.exec('DELETE FROM period WHERE period_start < ?', cutoff);
}

function periodRow(sql: LedgerSql, periodStart: string): PeriodRow {
  return sql.exec<PeriodRow>('SELECT * FROM period WHERE period_start = ?', periodStart).one();
}

/** Thresholds not yet announced whose amount `spent` reaches. */
function reached(terms: BudgetTerms, fired: Record<string, string>, spent: number): number[] {
  return terms.thresholds.filter(
    (t) => !(String(t) in fired) && spent + EPSILON >= t * terms.limitUsd,
  );
}

export function reserve(
  sql: LedgerSql,
  terms: BudgetTerms,
  periodStart: string,
  holder: string,
  items: readonly BudgetItem[],
  now: string = new Date().toISOString(),
): ReserveResult {
  const period = periodRow(sql, periodStart);
  const fired = JSON.parse(period.fired) as Record<string, string>;
  // Items already held (the same key sent by two calls at once) are counted once; a key repeated
  // within one call too.
  const known = new Map<string, string[]>();
  for (const row of sql
    .exec<{ key: string; holders: string }>(
      `SELECT key, holders FROM reservation WHERE period_start = ? AND key IN (SELECT value FROM json_each(?))`,
      periodStart,
      JSON.stringify(items.map((item) => item.key)),
    )
    .toArray()) {
    known.set(row.key, JSON.parse(row.holders) as string[]);
  }
  const fresh = new Map<string, number>();
  for (const item of items) {
    if (!known.has(item.key) && !fresh.has(item.key)) fresh.set(item.key, item.costUsd);
  }
  const added = [...fresh.values()].reduce((sum, cost) => sum + cost, 0);
  const spentBefore = period.spent;
  const spentAfter = spentBefore + added;
  if (terms.enforce && added > 0 && spentAfter > terms.limitUsd + EPSILON) {
    // The refused demand reached these: the first refusal announces them (1.0 among them).
    const crossed = reached(terms, fired, spentAfter);
    for (const t of crossed) fired[String(t)] = holder;
    sql.exec(
      'UPDATE period SET refused = refused + ?, fired = ? WHERE period_start = ?',
      items.length,
      JSON.stringify(fired),
      periodStart,
    );
    return { ok: false, spentUsd: spentBefore, requestedUsd: added, crossed };
  }
  for (const [key, holders] of known) {
    if (!holders.includes(holder)) {
      sql.exec(
        'UPDATE reservation SET holders = ? WHERE period_start = ? AND key = ?',
        JSON.stringify([...holders, holder]),
        periodStart,
        key,
      );
    }
  }
  for (const [key, cost] of fresh) {
    sql.exec(
      'INSERT INTO reservation (period_start, key, cost, holders, reserved_at) VALUES (?, ?, ?, ?, ?)',
      periodStart,
      key,
      cost,
      JSON.stringify([holder]),
      now,
    );
  }
  const crossed = reached(terms, fired, spentAfter);
  for (const t of crossed) fired[String(t)] = holder;
  sql.exec(
    'UPDATE period SET spent = ?, fired = ? WHERE period_start = ?',
    spentAfter,
    JSON.stringify(fired),
    periodStart,
  );
  return { ok: true, spentBefore, spentAfter, crossed };
}

/**
 * Gives back what `holder` reserved (its D1 batch failed): its keys no other call holds, and the
 * thresholds it was to announce, which the next call that reaches them announces instead.
 */
export function release(
  sql: LedgerSql,
  periodStart: string,
  holder: string,
  keys: readonly string[],
): void {
  if (!hasPeriod(sql, periodStart)) return;
  const period = periodRow(sql, periodStart);
  let spent = period.spent;
  const rows = sql
    .exec<{ key: string; cost: number; holders: string }>(
      `SELECT key, cost, holders FROM reservation WHERE period_start = ? AND key IN (SELECT value FROM json_each(?))`,
      periodStart,
      JSON.stringify(keys),
    )
    .toArray();
  for (const row of rows) {
    const holders = (JSON.parse(row.holders) as string[]).filter((h) => h !== holder);
    if (holders.length === JSON.parse(row.holders).length) continue;
    if (holders.length === 0) {
      spent -= row.cost;
      sql.exec('DELETE FROM reservation WHERE period_start = ? AND key = ?', periodStart, row.key);
    } else {
      sql.exec(
        'UPDATE reservation SET holders = ? WHERE period_start = ? AND key = ?',
        JSON.stringify(holders),
        periodStart,
        row.key,
      );
    }
  }
  const fired = Object.fromEntries(
    Object.entries(JSON.parse(period.fired) as Record<string, string>).filter(
      ([, owner]) => owner !== holder,
    ),
  );
  sql.exec(
    'UPDATE period SET spent = ?, fired = ? WHERE period_start = ?',
    Math.max(0, spent),
    JSON.stringify(fired),
    periodStart,
  );
}

export function periodState(sql: LedgerSql, periodStart: string): PeriodState {
  const period = periodRow(sql, periodStart);
  return {
    periodStart,
    spentUsd: period.spent,
    fired: Object.keys(JSON.parse(period.fired))
      .map(Number)
      .sort((a, b) => a - b),
    refusedCount: period.refused,
  };
}

/** Marks the thresholds the spend reaches and no call announced (the scheduled job's catch-up). */
export function claimReached(
  sql: LedgerSql,
  terms: BudgetTerms,
  periodStart: string,
  holder: string,
): number[] {
  const period = periodRow(sql, periodStart);
  const fired = JSON.parse(period.fired) as Record<string, string>;
  const crossed = reached(terms, fired, period.spent);
  if (crossed.length === 0) return [];
  for (const t of crossed) fired[String(t)] = holder;
  sql.exec(
    'UPDATE period SET fired = ? WHERE period_start = ?',
    JSON.stringify(fired),
    periodStart,
  );
  return crossed;
}

/** A reservation old enough that its call's D1 batch has landed or never will. */
export interface StaleReservation {
  period_start: string;
  key: string;
  cost: number;
  holders: string;
}

/** Reservations made before `before`, oldest first, at most `limit`. */
export function staleReservations(
  sql: LedgerSql,
  before: string,
  limit: number,
): StaleReservation[] {
  return sql
    .exec<StaleReservation & Record<string, SqlStorageValue>>(
      'SELECT period_start, key, cost, holders FROM reservation WHERE reserved_at < ? ORDER BY reserved_at, key LIMIT ?',
      before,
      limit,
    )
    .toArray();
}

/**
 * Settles stale reservations against what D1 recorded: a recorded one is only forgotten (its cost
 * stays in the period's spend, and D1 now deduplicates its key); one D1 does not hold (its Worker
 * died between the reservation and the batch) gives its cost back, and the thresholds its call
 * was to announce (never written) are unmarked for the next call or the job to announce. A reservation another call
 * joined since it was listed (its holders changed) is left for the next run.
 */
export function settleReservations(
  sql: LedgerSql,
  listed: readonly StaleReservation[],
  recorded: ReadonlySet<string>,
): { forgotten: number; released: number; releasedUsd: number } {
  const summary = { forgotten: 0, released: 0, releasedUsd: 0 };
  const givenBack = new Map<string, number>();
  // The calls that never landed: a threshold one of them was to announce was never written.
  const deadHolders = new Map<string, Set<string>>();
  for (const row of listed) {
    // Deleted only if no call joined it since it was listed (same holders).
    const deleted = sql
      .exec(
        'DELETE FROM reservation WHERE period_start = ? AND key = ? AND holders = ? RETURNING key',
        row.period_start,
        row.key,
        row.holders,
      )
      .toArray();
    if (deleted.length === 0) continue;
    if (recorded.has(row.key)) {
      summary.forgotten += 1;
    } else {
      summary.released += 1;
      summary.releasedUsd += row.cost;
      givenBack.set(row.period_start, (givenBack.get(row.period_start) ?? 0) + row.cost);
      const holders = deadHolders.get(row.period_start) ?? new Set<string>();
      for (const holder of JSON.parse(row.holders) as string[]) holders.add(holder);
      deadHolders.set(row.period_start, holders);
    }
  }
  for (const [periodStart, cost] of givenBack) {
    if (!hasPeriod(sql, periodStart)) continue;
    const dead = deadHolders.get(periodStart) ?? new Set<string>();
    const fired = Object.fromEntries(
      Object.entries(
        JSON.parse(periodRow(sql, periodStart).fired) as Record<string, string>,
      ).filter(([, owner]) => !dead.has(owner)),
    );
    sql.exec(
      'UPDATE period SET spent = max(0, spent - ?), fired = ? WHERE period_start = ?',
      cost,
      JSON.stringify(fired),
      periodStart,
    );
  }
  return summary;
}
