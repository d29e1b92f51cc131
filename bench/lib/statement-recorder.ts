// The D1 statements one request sends, recorded by running the Worker's own GraphQL and REST
// handlers in Node over a node:sqlite copy of the D1 file (a D1 binding in miniature: prepare,
// bind, all, raw, first, run, batch), so that a control Worker can replay exactly those statements
// through a real D1 binding: the floor of "a request within 1.5x of its statements" (issue 20 §1).
//
// The handlers are bundled for Node by esbuild first (Node's type stripping refuses some of src/'s
// TypeScript, parameter properties). Statements the request issues while another one is still
// pending are recorded as one group (the Worker's Promise.all), and are replayed concurrently; a
// batch is a group of its own; groups are replayed in order. Writes are recorded too (a first page
// past the edge-row budget stores its walk): the control replays a group that writes as one batch
// it makes fail at its end, so D1 does the writes and rolls them back (the same rows can be written
// again next round; the commit is not paid, so that floor is, if anything, low). Each call is
// recorded warm, as the rounds send it: a token's hourly last-use write (waitUntil) is then not
// among its statements.

import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { Call } from '../scenarios/lineage/api.ts';
import { copyD1File } from './sqlite-raw.ts';
import { REPO_ROOT } from './wrangler.ts';

/** One statement as the request sent it, and the D1 method it was read with. */
export interface RecordedStatement {
  sql: string;
  parameters: unknown[];
  method: 'all' | 'raw' | 'first' | 'run';
}

/** Statements sent together: concurrently (Promise.all), or as one D1 batch. */
export interface StatementGroup {
  batch: boolean;
  statements: RecordedStatement[];
}

/** The groups of statements in the order the request sent them. */
export type StatementGroups = StatementGroup[];

/** A D1Database over node:sqlite that records every statement into `groups`. */
function recordingD1(sqlite: DatabaseSync, groups: StatementGroups, recording: () => boolean) {
  let pending = 0;
  let inBatch = false;
  const execute = <T>(statement: RecordedStatement, run: () => T): Promise<T> => {
    const last = groups[groups.length - 1];
    if (recording() && !inBatch) {
      if (pending === 0 || !last || last.batch) groups.push({ batch: false, statements: [] });
      (groups[groups.length - 1] as StatementGroup).statements.push(statement);
    }
    pending += 1;
    let value: T;
    try {
      value = run();
    } catch (error) {
      pending -= 1;
      return Promise.reject(error);
    }
    // Answered in a later macrotask, as a binding's answer is: statements sent before it are
    // concurrent with it.
    return new Promise((resolve) =>
      setImmediate(() => {
        pending -= 1;
        resolve(value);
      }),
    );
  };
  const prepared = (sql: string, parameters: unknown[]) => {
    const values = () => parameters as SQLInputValue[];
    const meta = { duration: 0, changes: 0, last_row_id: 0, rows_read: 0, rows_written: 0 };
    return {
      bind: (...values: unknown[]) => prepared(sql, values),
      all: () =>
        execute({ sql, parameters, method: 'all' }, () => ({
          success: true,
          meta,
          results: sqlite.prepare(sql).all(...values()),
        })),
      raw: () =>
        execute({ sql, parameters, method: 'raw' }, () => {
          const statement = sqlite.prepare(sql);
          statement.setReturnArrays(true);
          return statement.all(...values());
        }),
      first: (column?: string) =>
        execute({ sql, parameters, method: 'first' }, () => {
          const row = sqlite.prepare(sql).get(...values()) as Record<string, unknown> | undefined;
          if (!row) return null;
          return column === undefined ? row : row[column];
        }),
      run: () =>
        execute({ sql, parameters, method: 'run' }, () => {
          const result = sqlite.prepare(sql).run(...values());
          return {
            success: true,
            meta: {
              ...meta,
              changes: Number(result.changes),
              last_row_id: Number(result.lastInsertRowid),
            },
            results: [],
          };
        }),
      recorded: { sql, parameters, method: 'all' } as RecordedStatement,
    };
  };
  return {
    prepare: (sql: string) => prepared(sql, []),
    batch: async (statements: ReturnType<typeof prepared>[]) => {
      if (recording()) {
        groups.push({ batch: true, statements: statements.map((statement) => statement.recorded) });
      }
      // One transaction, as D1 runs a batch.
      const results: unknown[] = [];
      sqlite.exec('BEGIN');
      inBatch = true;
      try {
        for (const statement of statements) results.push(await statement.all());
        sqlite.exec('COMMIT');
      } catch (error) {
        sqlite.exec('ROLLBACK');
        throw error;
      } finally {
        inBatch = false;
      }
      return results;
    },
    exec: async (sql: string) => {
      sqlite.exec(sql);
      return { count: 1, duration: 0 };
    },
  };
}

type Handler = (request: Request, ...rest: unknown[]) => Promise<Response>;

/** The Worker's GraphQL (Yoga, as src/index.ts calls it) and REST handlers, built for Node. */
async function handlers(
  workDir: string,
): Promise<{ yogaFor: (env: unknown) => { fetch: Handler }; handleApiRequest: Handler }> {
  const outfile = join(workDir, 'recorder-handlers.mjs');
  await build({
    stdin: {
      contents: `export { yogaFor } from './graphql/yoga.ts';
export { handleApiRequest } from './routes/api/router.ts';`,
      resolveDir: join(REPO_ROOT, 'src'),
      loader: 'ts',
    },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    external: ['cloudflare:*'],
    // CommonJS dependencies bundled into ESM call require() for Node's built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return import(pathToFileURL(outfile).href);
}

/**
 * Records the statements each call sends, against a private copy of `dbFile` (the D1 file of a
 * stopped wrangler dev, or a copy of it). `vars` are the Worker's vars (wrangler.jsonc). Each call
 * is sent twice and the second time recorded (the first fills the isolate's caches, as a warm
 * request finds them).
 */
export async function recordStatements(
  dbFile: string,
  workDir: string,
  vars: Record<string, string>,
  token: string,
  calls: readonly Call[],
): Promise<StatementGroups[]> {
  const sqlite = new DatabaseSync(copyD1File(dbFile, join(workDir, 'recorder-copy.sqlite')));
  const groups: StatementGroups = [];
  let recording = false;
  const env = { ...vars, DB: recordingD1(sqlite, groups, () => recording) } as never;
  const pending: Promise<unknown>[] = [];
  const ctx = {
    waitUntil: (promise: Promise<unknown>) => pending.push(promise.catch(() => undefined)),
    passThroughOnException: () => undefined,
    props: {},
  };
  const { yogaFor, handleApiRequest } = await handlers(workDir);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const send = async (call: Call) => {
    const response =
      'get' in call
        ? await handleApiRequest(new Request(`http://localhost${call.get}`, { headers }), env, ctx)
        : await yogaFor(env).fetch(
            new Request('http://localhost/graphql', {
              method: 'POST',
              headers,
              body: JSON.stringify({ query: call.query, variables: call.variables ?? {} }),
            }),
            { env, ctx, statements: { statements: 0, roundTrips: 0 } },
          );
    const text = await response.text();
    if (!response.ok || text.includes('"errors"')) {
      throw new Error(`recording: HTTP ${response.status}: ${text.slice(0, 300)}`);
    }
  };
  const recorded: StatementGroups[] = [];
  try {
    for (const call of calls) {
      await send(call);
      groups.length = 0;
      recording = true;
      await send(call);
      recording = false;
      recorded.push(groups.map((group) => ({ ...group, statements: [...group.statements] })));
      groups.length = 0;
      await Promise.all(pending.splice(0));
    }
  } finally {
    sqlite.close();
  }
  return recorded;
}
