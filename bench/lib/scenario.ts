// What the runner gives a scenario, and what a scenario gives back.
import type { Client } from './graphql.ts';
import type { CheckStartupResult, ModuleEvalResult } from './startup.ts';
import type { Summary } from './stats.ts';
import type { DevServer } from './wrangler.ts';

/** How a `wrangler dev` start went: from spawning the process to its first answered request. */
export interface ColdStart {
  label: string;
  /** Spawn of `wrangler dev` to wrangler printing "Ready on ...". */
  spawnToReadyLineMs: number | null;
  /** Spawn to the first successful authenticated GraphQL response. */
  spawnToFirstResponseMs: number;
  /** Latency of that first successful request (`{ viewer { id } }`), sent after "Ready on". */
  firstRequestMs: number;
  /** The same request, sent 20 more times right after. */
  followingRequests: Summary;
  /** D1 statements of that request (token lookup included). */
  statements: number;
}

export interface StartedServer {
  server: DevServer;
  client: Client;
  coldStart: ColdStart;
}

/** Worker startup cost, measured by the runner before the scenario (null with --no-startup). */
export interface StartupResults {
  checkStartup: CheckStartupResult[];
  moduleEvaluation: ModuleEvalResult;
}

export interface ScenarioContext {
  startup: StartupResults | null;
  /** Smaller data and fewer requests, to check the scenario itself quickly. */
  quick: boolean;
  workDir: string;
  persistTo: string;
  signal: AbortSignal;
  seed: { orgId: string; userId: string; token: string; createdAtMs: number };
  log(message: string): void;
  /** Runs a SQL file against the local D1 database (the server must be stopped). */
  execSql(name: string, sql: string): Promise<{ ms: number; bytes: number }>;
  /**
   * Starts `wrangler dev` (with Worker variables, `--var K:V`, if given) and waits until it
   * answers. One server at a time.
   */
  startServer(label: string, vars?: Record<string, string>): Promise<StartedServer>;
  stopServer(): Promise<void>;
}

export interface ScenarioOutput {
  /** Human-readable tables for the terminal. */
  report: string;
  /** Everything measured, for the JSON file. */
  results: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  description: string;
  /** Skip the runner's Worker startup measurements (they do not concern this scenario). */
  skipStartup?: boolean;
  run(context: ScenarioContext): Promise<ScenarioOutput>;
}
