// The walk's statements through local D1 (workerd's D1, the SQLite production runs) on the very
// state directory the scenario loaded: `wrangler d1 execute --local --json`, one process per run,
// timed by D1 itself (`meta.duration`: the statement inside D1, without wrangler's start-up). D1's
// execute binds no parameters, so they are inlined as SQL literals (the benchmark's own values).
import { literal, type SqlValue } from './sql.ts';
import { mustRunWrangler } from './wrangler.ts';

export interface D1WalkResult {
  durationsMs: number[];
  rows: number;
  plan: string[];
}

/** `?1`, `?2` ... (or `?` in order) replaced by the parameters as literals. */
function inline(sql: string, parameters: readonly unknown[]): string {
  let next = 0;
  return sql.replace(/\?(\d+)?/g, (_, index?: string) => {
    const value = parameters[index === undefined ? next++ : Number(index) - 1];
    return literal(value as SqlValue);
  });
}

async function execute(persistTo: string, sql: string) {
  const result = await mustRunWrangler(
    ['d1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--json', '--command', sql],
    { timeoutMs: 180_000 },
  );
  const [answer] = JSON.parse(result.stdout) as {
    results: Record<string, unknown>[];
    meta: { duration: number };
  }[];
  if (!answer)
    throw new Error(`No answer from wrangler d1 execute: ${result.stdout.slice(0, 500)}`);
  return answer;
}

/** Runs each statement `runs` times through local D1 (no server may be running on the state). */
export async function measureThroughD1(
  persistTo: string,
  statements: Record<string, { sql: string; parameters: readonly unknown[] }>,
  runs: number,
): Promise<Record<string, D1WalkResult>> {
  const out: Record<string, D1WalkResult> = {};
  for (const [name, statement] of Object.entries(statements)) {
    const text = inline(statement.sql, statement.parameters);
    const plan = (await execute(persistTo, `EXPLAIN QUERY PLAN ${text}`)).results.map(
      (row) => row.detail as string,
    );
    out[name] = { durationsMs: [], rows: 0, plan };
  }
  // Interleaved, run i of each before run i + 1 of any.
  for (let run = 0; run < runs; run++) {
    for (const [name, statement] of Object.entries(statements)) {
      const answer = await execute(persistTo, inline(statement.sql, statement.parameters));
      const result = out[name] as D1WalkResult;
      result.durationsMs.push(answer.meta.duration);
      result.rows = answer.results.length;
    }
  }
  return out;
}
