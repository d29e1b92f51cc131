// Bench-only control Worker (never deployed, not part of src/): the floor a lineage request can
// reach inside a Worker (issue 20 §1). It runs the walk statement it is sent (the runner compiles
// it from src/, bench/lib/sqlite-raw.ts `apiWalk`) through a D1 binding the way the registry does
// (`prepare(sql).bind(...).raw()`, src/db/raw.ts), on a copy of the registry's D1 state, and answers
// what the statement returned: `count` the number of rows (the floor of an answer without lists),
// `rows` the rows as JSON (the floor of a drawing: the walk's rows, serialised once). Or it replays
// a request's own statements as recorded (`groups`) and answers their row count. No routing, no
// auth, no GraphQL.
interface BoundStatement {
  raw<Row extends unknown[]>(): Promise<Row[]>;
  all(): Promise<{ results: unknown[] }>;
  first(): Promise<unknown>;
  run(): Promise<unknown>;
}

interface ControlEnv {
  DB: {
    prepare(query: string): { bind(...values: unknown[]): BoundStatement };
    batch(statements: BoundStatement[]): Promise<unknown[]>;
  };
}

interface WalkRequest {
  sql: string;
  parameters: unknown[];
  answer: 'count' | 'rows';
}

interface RecordedStatement {
  sql: string;
  parameters: unknown[];
  method: 'all' | 'raw' | 'first' | 'run';
}

/**
 * A request's own statements (bench/lib/statement-recorder.ts): groups run in order, the
 * statements of a group concurrently, each read as the request read it; the answer counts rows.
 * A batch, or a group that writes, runs as one batch that fails at its end (a statement on a table
 * that does not exist): D1 runs every statement, then rolls them all back.
 */
interface StatementsRequest {
  groups: { batch: boolean; statements: RecordedStatement[] }[];
}

const READ = /^\s*(?:SELECT|WITH)\b/i;
const ROLLBACK = 'SELECT * FROM replay_rolls_back_here';

async function replay(env: ControlEnv, { groups }: StatementsRequest): Promise<Response> {
  let rows = 0;
  for (const group of groups) {
    if (group.batch || group.statements.some(({ sql }) => !READ.test(sql))) {
      const statements = group.statements.map(({ sql, parameters }) =>
        env.DB.prepare(sql).bind(...parameters),
      );
      const failed = await env.DB.batch([...statements, env.DB.prepare(ROLLBACK).bind()]).then(
        () => null,
        (error: unknown) => String(error),
      );
      if (!failed?.includes('replay_rolls_back_here')) {
        return new Response(`replayed batch did not roll back: ${failed}`, { status: 500 });
      }
      rows += statements.length;
      continue;
    }
    const answers = await Promise.all(
      group.statements.map(async ({ sql, parameters, method }) => {
        const statement = env.DB.prepare(sql).bind(...parameters);
        if (method === 'raw') return (await statement.raw()).length;
        if (method === 'all') return (await statement.all()).results.length;
        await statement[method]();
        return 1;
      }),
    );
    for (const count of answers) rows += count;
  }
  const statements = groups.reduce((sum, group) => sum + group.statements.length, 0);
  return Response.json({ rows, statements });
}

export default {
  async fetch(request: Request, env: ControlEnv): Promise<Response> {
    if (request.method !== 'POST') return new Response('POST a walk statement', { status: 404 });
    const body = (await request.json()) as WalkRequest | StatementsRequest;
    if ('groups' in body) return replay(env, body);
    const walk = body;
    const rows = await env.DB.prepare(walk.sql)
      .bind(...walk.parameters)
      .raw<unknown[]>();
    const headers = { 'content-type': 'application/json', 'x-d1-statements': '1' };
    if (walk.answer === 'count') {
      return new Response(JSON.stringify({ rows: rows.length, reached: rows[0]?.[6] ?? null }), {
        headers,
      });
    }
    return new Response(JSON.stringify(rows), { headers });
  },
};
