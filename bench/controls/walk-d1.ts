// Bench-only control Worker (never deployed, not part of src/): the floor a lineage request can
// reach inside a Worker (issue 20 §1). It runs the walk statement it is sent (the runner compiles
// it from src/, bench/lib/sqlite-raw.ts `apiWalk`) through a D1 binding the way the registry does
// (`prepare(sql).bind(...).raw()`, src/db/raw.ts), on a copy of the registry's D1 state, and answers
// what the statement returned: `count` the number of rows (the floor of an answer without lists),
// `rows` the rows as JSON (the floor of a drawing: the walk's rows, serialised once). No routing,
// no auth, no GraphQL.
interface ControlEnv {
  DB: {
    prepare(query: string): {
      bind(...values: unknown[]): { raw<Row extends unknown[]>(): Promise<Row[]> };
    };
  };
}

interface WalkRequest {
  sql: string;
  parameters: unknown[];
  answer: 'count' | 'rows';
}

export default {
  async fetch(request: Request, env: ControlEnv): Promise<Response> {
    if (request.method !== 'POST') return new Response('POST a walk statement', { status: 404 });
    const walk = (await request.json()) as WalkRequest;
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
