// CPU profiles of a Worker under `wrangler dev --inspector-port`, and where their time goes.
//
// The inspector speaks the Chrome DevTools Protocol at ws://127.0.0.1:<port>/ws, but only to a
// client that sends `Origin: https://devtools.devprod.cloudflare.dev` (Node's global WebSocket
// cannot set it; the `ws` package, in node_modules through wrangler, can). A profile's frames name
// the bundle wrangler built (one file); esbuild marks each module in it with a `// <path>` line,
// so every sampled line is attributed to the module (package or src/ file) it came from.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { table } from './stats.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One DevTools Protocol session on the Worker's inspector. */
export async function connectInspector(port: number) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
    headers: { Origin: 'https://devtools.devprod.cloudflare.dev' },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    if (message.id === undefined) return;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => socket.close() };
}

/** Profiles the Worker while `load` runs; `intervalUs` is V8's sampling interval. */
export async function profileDuring(
  inspectorPort: number,
  load: () => Promise<void>,
  intervalUs = 200,
): Promise<CpuProfile> {
  const inspector = await connectInspector(inspectorPort);
  try {
    await inspector.send('Profiler.enable');
    await inspector.send('Profiler.setSamplingInterval', { interval: intervalUs });
    await inspector.send('Profiler.start');
    await load();
    const { profile } = await inspector.send<{ profile: CpuProfile }>('Profiler.stop');
    await inspector.send('Profiler.disable');
    return profile;
  } finally {
    inspector.close();
  }
}

/** `node_modules/@scope/pkg/...` -> `@scope/pkg`; `src/a/b.ts` stays a file. */
function moduleGroup(path: string): string {
  const inModules = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (inModules) return inModules[1] as string;
  return path;
}

/** For a bundle built by esbuild: which module each line belongs to (by its `// path` marker). */
function moduleMap(bundleText: string): { line: number; module: string }[] {
  const markers: { line: number; module: string }[] = [];
  const lines = bundleText.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const match = /^\/\/ ((?:\.\.\/)*(?:node_modules|src|bench|examples)\/\S+)$/.exec(
      lines[index] as string,
    );
    if (match)
      markers.push({ line: index, module: (match[1] as string).replace(/^(\.\.\/)+/, '') });
  }
  return markers;
}

/**
 * wrangler dev names its bundle by file name only (`index.js`); it lives in the newest
 * `.wrangler/tmp/dev-*` directory next to the config, and only while the server runs.
 */
export function devBundleResolver(configDir: string) {
  return (url: string): string | null => {
    if (url.startsWith('file://')) return fileURLToPath(url);
    const tmp = join(configDir, '.wrangler', 'tmp');
    const candidates = existsSync(tmp)
      ? readdirSync(tmp)
          .filter((dir) => dir.startsWith('dev-') && existsSync(join(tmp, dir, url)))
          .map((dir) => join(tmp, dir, url))
          .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
      : [];
    return candidates[0] ?? null;
  };
}

function bundleModules(
  url: string,
  cache: Map<string, { line: number; module: string }[]>,
  resolve: (url: string) => string | null,
) {
  let markers = cache.get(url);
  if (!markers) {
    try {
      const path = resolve(url);
      markers = path ? moduleMap(readFileSync(path, 'utf8')) : [];
    } catch {
      markers = [];
    }
    cache.set(url, markers);
  }
  return markers;
}

function moduleAt(markers: readonly { line: number; module: string }[], line: number): string {
  let low = 0;
  let high = markers.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((markers[middle] as { line: number }).line <= line) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found < 0 ? '(bundle prelude)' : (markers[found] as { module: string }).module;
}

export interface ProfileRow {
  name: string;
  selfMs: number;
  totalMs: number;
  selfShare: number;
}

export interface ProfileSummary {
  /** Samples (idle excluded) times the median sampling interval: an estimate, see below. */
  busyMs: number;
  idleMs: number;
  byFunction: ProfileRow[];
  byModule: ProfileRow[];
  byPackage: ProfileRow[];
}

/**
 * Names each bundle frame after its module (`node_modules/kysely/...`, `src/index.ts`) instead of
 * the bundle (`index.js`), which wrangler deletes when the server stops: the saved profile then
 * reads the same later (bench/profile-top.ts) and in DevTools. Call while the server runs.
 */
export function annotateProfile(
  profile: CpuProfile,
  resolveBundle: (url: string) => string | null,
): CpuProfile {
  const cache = new Map<string, { line: number; module: string }[]>();
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    if (!frame.url || (frame.url.includes(':') && !frame.url.startsWith('file:'))) continue;
    const markers = bundleModules(frame.url, cache, resolveBundle);
    if (markers.length) frame.url = moduleAt(markers, frame.lineNumber);
  }
  return profile;
}

/**
 * Self time (the frame on top of the stack) and total time (the frame anywhere on the stack,
 * counted once per sample) per function, per module (package or file) and per package.
 */
export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const labels = new Map<number, { fn: string; module: string; pkg: string }>();
  const labelOf = (id: number) => {
    let label = labels.get(id);
    if (!label) {
      const frame = (byId.get(id) as ProfileNode).callFrame;
      const module = frame.url
        ? frame.url
        : frame.functionName.startsWith('(')
          ? frame.functionName
          : '(native)';
      const pkg = moduleGroup(module);
      const fn = `${frame.functionName || '(anonymous)'} ${module}:${frame.lineNumber + 1}`;
      label = { fn, module, pkg };
      labels.set(id, label);
    }
    return label;
  };
  const self = {
    fn: new Map<string, number>(),
    module: new Map<string, number>(),
    pkg: new Map<string, number>(),
  };
  const total = {
    fn: new Map<string, number>(),
    module: new Map<string, number>(),
    pkg: new Map<string, number>(),
  };
  const add = (map: Map<string, number>, key: string, value: number) =>
    map.set(key, (map.get(key) ?? 0) + value);
  const sortedDeltas = [...profile.timeDeltas].sort((a, b) => a - b);
  const tickMs = (sortedDeltas[sortedDeltas.length >> 1] ?? 0) / 1000;
  let idleMs = 0;
  let busyMs = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    const id = profile.samples[index] as number;
    // Each sample counts as one tick, not as its time delta: on a loaded machine the sampler
    // thread is starved and a few deltas of 10-100 ms (85% of the window in one run) would land
    // on whatever frame happened to be on top. Ticks are estimated as ms at the median interval.
    const deltaMs = tickMs;
    const top = labelOf(id);
    if (top.fn.startsWith('(idle)')) {
      idleMs += deltaMs;
      continue;
    }
    busyMs += deltaMs;
    add(self.fn, top.fn, deltaMs);
    add(self.module, top.module, deltaMs);
    add(self.pkg, top.pkg, deltaMs);
    const seen = { fn: new Set<string>(), module: new Set<string>(), pkg: new Set<string>() };
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const label = labelOf(node);
      if (label.fn.startsWith('(root)')) continue;
      for (const kind of ['fn', 'module', 'pkg'] as const) {
        const key = label[kind];
        if (seen[kind].has(key)) continue;
        seen[kind].add(key);
        add(total[kind], key, deltaMs);
      }
    }
  }
  const rows = (kind: 'fn' | 'module' | 'pkg') =>
    [...new Set([...self[kind].keys(), ...total[kind].keys()])]
      .map((name) => ({
        name,
        selfMs: Math.round((self[kind].get(name) ?? 0) * 10) / 10,
        totalMs: Math.round((total[kind].get(name) ?? 0) * 10) / 10,
        selfShare: Math.round(((self[kind].get(name) ?? 0) / (busyMs || 1)) * 1000) / 10,
      }))
      .sort((a, b) => b.selfMs - a.selfMs);
  return {
    busyMs: Math.round(busyMs),
    idleMs: Math.round(idleMs),
    byFunction: rows('fn'),
    byModule: rows('module'),
    byPackage: rows('pkg'),
  };
}

/** The top `top` packages / src files and functions by self time, and functions by total time. */
export function profileReport(label: string, summary: ProfileSummary, top = 30): string {
  const row = (r: { name: string; selfMs: number; totalMs: number; selfShare: number }) => [
    r.name.length > 90 ? `...${r.name.slice(-87)}` : r.name,
    `${r.selfMs.toFixed(1)}`,
    `${r.selfShare.toFixed(1)}%`,
    `${r.totalMs.toFixed(1)}`,
  ];
  const byTotal = (rows: ProfileSummary['byFunction']) =>
    [...rows].sort((a, b) => b.totalMs - a.totalMs).slice(0, top);
  const headers = ['', 'self ms', 'self %', 'total ms'];
  return [
    `${label}: ${summary.busyMs} ms busy, ${summary.idleMs} ms idle (samples x median interval)`,
    'By package / src file, by self time:',
    table(['module', ...headers.slice(1)], summary.byPackage.slice(0, top).map(row)),
    'Top functions by self time:',
    table(['function', ...headers.slice(1)], summary.byFunction.slice(0, top).map(row)),
    'Top functions by total time:',
    table(['function', ...headers.slice(1)], byTotal(summary.byFunction).map(row)),
  ].join('\n');
}
