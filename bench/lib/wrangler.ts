// Runs wrangler as child processes: one-shot commands (d1 migrations, d1 execute, check startup)
// and the long-lived `wrangler dev`. Every child gets its own process group, so stopping it also
// stops the workerd processes it started; whatever is still alive when the runner exits is killed.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** wrangler's own entry, run with the Node that runs this file (the project's Node 24). */
const WRANGLER_JS = fileURLToPath(
  new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url),
);

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Last resort: the runner is exiting (normally or not) and must not leave servers behind. */
process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

export function wranglerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: 'false',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    ...extra,
  };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `wrangler <args>` to completion (or kills it at the timeout) and returns its output. */
export function runWrangler(
  args: readonly string[],
  options: { timeoutMs: number; env?: Record<string, string>; cwd?: string },
): Promise<CommandResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [WRANGLER_JS, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: wranglerEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => {
    stderr += `\n[bench] killed after ${options.timeoutMs} ms`;
    killGroup(child, 'SIGKILL');
  }, options.timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', (error) => {
      clearTimeout(timer);
      live.delete(child);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Like runWrangler, but a non-zero exit is an error that carries the output's tail. */
export async function mustRunWrangler(
  args: readonly string[],
  options: { timeoutMs: number; env?: Record<string, string>; cwd?: string },
): Promise<CommandResult> {
  const result = await runWrangler(args, options);
  if (result.code !== 0) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-25).join('\n');
    throw new Error(`wrangler ${args.slice(0, 3).join(' ')} exited with ${result.code}:\n${tail}`);
  }
  return result;
}

/** A TCP port that was free on the loopback interface a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

export interface DevServer {
  url: string;
  port: number;
  /** Where workerd's inspector (Chrome DevTools protocol) listens, through wrangler's proxy. */
  inspectorPort: number;
  /** Pid of the `wrangler dev` node process (the leader of its process group). */
  pid: number | undefined;
  /** performance.now() when the process was spawned. */
  spawnedAt: number;
  logFile: string;
  log(): string;
  /** performance.now() when wrangler printed "Ready on ...", if it has. */
  readyLineAt(): number | null;
  exited(): boolean;
  stop(): Promise<void>;
}

export interface DevOptions {
  persistTo: string;
  logFile: string;
  /** A Worker entry other than wrangler.jsonc's `main` (e.g. a bundle built beforehand). */
  entry?: string;
  /** Serve `entry` as it is (`--no-bundle`): a prebuilt bundle that edits under src/ cannot reload. */
  noBundle?: boolean;
  /** Another wrangler config (default: the repository's wrangler.jsonc). */
  config?: string;
  /** Worker vars set on the command line (`--var NAME:value`), over the config's. */
  vars?: Record<string, string>;
  /** false: wrangler does not watch its config either (WRANGLER_CI_DISABLE_CONFIG_WATCHING). */
  watchConfig?: boolean;
}

/** Starts `wrangler dev --local` on the loopback interface, logging to `logFile`. */
export async function startDev(options: DevOptions): Promise<DevServer> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = [
    'dev',
    ...(options.entry ? [options.entry] : []),
    ...(options.noBundle ? ['--no-bundle'] : []),
    ...(options.config ? ['--config', options.config] : []),
    '--local',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(inspectorPort),
    '--inspector-ip',
    '127.0.0.1',
    '--persist-to',
    options.persistTo,
    '--show-interactive-dev-session=false',
    ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ];
  const log = createWriteStream(options.logFile, { flags: 'a' });
  log.write(`$ wrangler ${args.join(' ')}\n`);
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [WRANGLER_JS, ...args], {
    cwd: REPO_ROOT,
    env: wranglerEnv(
      options.watchConfig === false ? { WRANGLER_CI_DISABLE_CONFIG_WATCHING: 'true' } : {},
    ),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let readyLineAt: number | null = null;
  const watchReady = (chunk: Buffer) => {
    if (readyLineAt === null && chunk.toString().includes('Ready on'))
      readyLineAt = performance.now();
  };
  child.stdout?.on('data', watchReady);
  child.stderr?.on('data', watchReady);
  const closed = new Promise<void>((resolve) => {
    child.on('close', () => {
      live.delete(child);
      resolve();
    });
  });
  child.on('error', () => undefined);

  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    inspectorPort,
    pid: child.pid,
    spawnedAt,
    logFile: options.logFile,
    log: () => {
      try {
        return readFileSync(options.logFile, 'utf8');
      } catch {
        return '';
      }
    },
    readyLineAt: () => readyLineAt,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: async () => {
      killGroup(child, 'SIGTERM');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 5000, 'timeout'));
      if ((await Promise.race([closed, timeout])) === 'timeout') {
        killGroup(child, 'SIGKILL');
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
      }
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
}
