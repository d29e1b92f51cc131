// The walk statement as D1 runs it, inside a Worker: the control of bench/controls/walk-d1.ts,
// served by its own `wrangler dev` from a copy of the registry's D1 state, timed from the client's
// side like the measured requests (the same HTTP path through wrangler's proxy and workerd).
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioContext } from '../../lib/scenario.ts';
import { apiWalk, type WalkParams } from '../../lib/sqlite-raw.ts';
import type { StatementGroups } from '../../lib/statement-recorder.ts';
import { type DevServer, REPO_ROOT, startDev } from '../../lib/wrangler.ts';

const CONTROL_CONFIG = join(REPO_ROOT, 'bench', 'controls', 'walk-d1.wrangler.jsonc');

/** What the control answers: the row count, or the rows as JSON. */
export type D1FloorAnswer = 'count' | 'rows';

export interface D1Floor {
  server: DevServer;
  /** One walk through the control; ms from sending to the whole body read. */
  walk(answer: D1FloorAnswer): Promise<{ ms: number; rows: number; bytes: number }>;
  /** A request's own statements replayed (statement-recorder.ts); ms as for walk. */
  replay(groups: StatementGroups): Promise<{ ms: number; rows: number }>;
  stop(): Promise<void>;
}

/**
 * Copies the D1 state under `persistTo` (no server may be running on it) to `<workDir>/<name>`,
 * for the control to serve: the registry's and the control's D1 objects then never share a file.
 */
export function copyD1State(persistTo: string, workDir: string, name: string): string {
  const state = join(workDir, name);
  cpSync(join(persistTo, 'v3', 'd1'), join(state, 'v3', 'd1'), { recursive: true });
  return state;
}

/**
 * Starts the control on `state` (a copy made by copyD1State) and checks that it walks what the
 * node:sqlite floor walks: `expectedRows` edge rows.
 */
export async function startD1Floor(
  context: ScenarioContext,
  state: string,
  params: WalkParams,
  expectedRows: number,
): Promise<D1Floor> {
  const server = await startDev({
    persistTo: state,
    logFile: join(context.workDir, 'wrangler-dev-walk-d1-control.log'),
    config: CONTROL_CONFIG,
    watchConfig: false,
  });
  const origin = `http://127.0.0.1:${server.port}/`;
  const { sql, parameters } = apiWalk(params);
  const post = async (body: string) => {
    const started = performance.now();
    const response = await fetch(origin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.any([context.signal, AbortSignal.timeout(90_000)]),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    if (!response.ok)
      throw new Error(`walk-d1 control: HTTP ${response.status}: ${text.slice(0, 500)}`);
    return { ms, text };
  };
  const replay = async (groups: StatementGroups) => {
    const { ms, text } = await post(JSON.stringify({ groups }));
    return { ms, rows: (JSON.parse(text) as { rows: number }).rows };
  };
  const walk = async (answer: D1FloorAnswer) => {
    const { ms, text } = await post(JSON.stringify({ sql, parameters, answer }));
    const rows =
      answer === 'count'
        ? (JSON.parse(text) as { rows: number }).rows
        : (JSON.parse(text) as unknown[]).length;
    return { ms, rows, bytes: Buffer.byteLength(text) };
  };
  const until = performance.now() + 180_000;
  for (;;) {
    if (context.signal.aborted) throw context.signal.reason;
    if (server.exited() || performance.now() > until) {
      await server.stop();
      throw new Error(`walk-d1 control did not start:\n${server.log().slice(-3000)}`);
    }
    try {
      const { rows } = await walk('count');
      if (rows !== expectedRows) {
        await server.stop();
        throw new Error(`walk-d1 control walked ${rows} rows, expected ${expectedRows}`);
      }
      break;
    } catch (error) {
      if (String(error).includes('expected')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return { server, walk, replay, stop: () => server.stop() };
}
