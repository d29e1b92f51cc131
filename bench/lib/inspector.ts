// The Worker's isolate through workerd's inspector (Chrome DevTools protocol on wrangler dev's
// --inspector-port): heap usage polled during a request, and CPU profiles of requests.
// workerd refuses a connection without the DevTools Origin header, which Node's own WebSocket
// cannot send: the ws package (in node_modules through wrangler) can.

/** A CPU profile as the Profiler domain returns it (the parts read here). */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The Worker's isolate seen through the inspector. */
export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private readonly socket: import('ws').WebSocket;
  private constructor(socket: import('ws').WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result);
    });
  }

  /** Connects with the Origin header workerd's inspector requires (Node's WebSocket sends none). */
  static async connect(port: number): Promise<Inspector> {
    return Inspector.connectTo(`ws://127.0.0.1:${port}/ws`);
  }

  /**
   * Connects to a bare workerd's inspector (Miniflare's `inspectorPort`, no wrangler proxy in
   * front): its first target that is not one of workerd's internal ones.
   */
  static async connectToWorker(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
      title?: string;
      id?: string;
    }[];
    const target =
      targets.find((entry) => !`${entry.title ?? entry.id}`.includes('internal')) ?? targets[0];
    if (!target) throw new Error(`no inspector target on port ${port}`);
    return Inspector.connectTo(target.webSocketDebuggerUrl);
  }

  static async connectTo(url: string): Promise<Inspector> {
    const { default: WebSocket } = await import('ws');
    const socket = new WebSocket(url, {
      headers: { Origin: 'https://devtools.devprod.cloudflare.dev' },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const inspector = new Inspector(socket);
    await inspector.send('Runtime.enable');
    return inspector;
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), 10_000);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(result);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async heap(): Promise<{ used: number; total: number }> {
    const result = (await this.send('Runtime.getHeapUsage')) as {
      usedSize: number;
      totalSize: number;
    };
    return { used: result.usedSize, total: result.totalSize };
  }

  /** Runs `request` while sampling the heap; the peak is over the samples and the end. */
  async during<T>(request: () => Promise<T>) {
    const before = await this.heap();
    let peak = before;
    let samples = 0;
    let done = false;
    const sampling = (async () => {
      while (!done) {
        const now = await this.heap();
        samples += 1;
        if (now.used > peak.used) peak = now;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const started = performance.now();
    try {
      const result = await request();
      return { result, ms: performance.now() - started, before, peak, samples };
    } finally {
      done = true;
      await sampling;
    }
  }

  close() {
    this.socket.close();
  }
}

/** CPU profile of whatever the isolate runs during `run` (sampling every `intervalUs`, 1 ms). */
export async function profile<T>(
  inspector: Inspector,
  run: () => Promise<T>,
  intervalUs = 1000,
): Promise<{ result: T; profile: CpuProfile }> {
  await inspector.send('Profiler.enable');
  await inspector.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await inspector.send('Profiler.start');
  const result = await run();
  const { profile: cpu } = (await inspector.send('Profiler.stop')) as { profile: CpuProfile };
  return { result, profile: cpu };
}

/** Time the isolate spent outside JavaScript it ran: waiting, or in the runtime itself. */
const NOT_RUNNING = new Set(['(idle)', '(program)']);

type CallFrame = CpuProfile['nodes'][number]['callFrame'];

/** A function by name and place (file:line), for a bundle whose names repeat. */
const byNameAndPlace = (frame: CallFrame) =>
  `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-1)[0] ?? ''}:${frame.lineNumber + 1}`;

/**
 * One profile's self and inclusive time per function (`keyOf` its call frame: name and place by
 * default), in ms. Inclusive time counts a function once per sample however deep its recursion.
 * `activeMs` leaves out the idle and runtime samples.
 */
export function attributeOne(
  cpu: Pick<CpuProfile, 'nodes' | 'samples' | 'timeDeltas'>,
  keyOf: (frame: CallFrame) => string = byNameAndPlace,
) {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let sampled = 0;
  let active = 0;
  const byId = new Map(cpu.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of cpu.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOfNode = (id: number) => {
    const frame = byId.get(id)?.callFrame;
    return frame ? keyOf(frame) : '(anonymous)';
  };
  cpu.samples.forEach((id, index) => {
    const ms = (cpu.timeDeltas[index] ?? 0) / 1000;
    sampled += ms;
    if (!NOT_RUNNING.has(byId.get(id)?.callFrame.functionName ?? '')) active += ms;
    const key = keyOfNode(id);
    self.set(key, (self.get(key) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = keyOfNode(at);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + ms);
    }
  });
  return { sampledMs: sampled, activeMs: active, self, total };
}

/** Self time and inclusive time per function over one or more profiles, summed; the heaviest. */
export function attribute(profiles: readonly CpuProfile[]) {
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let sampled = 0;
  for (const cpu of profiles) {
    const one = attributeOne(cpu);
    sampled += one.sampledMs;
    for (const [name, ms] of one.self) self.set(name, (self.get(name) ?? 0) + ms);
    for (const [name, ms] of one.total) total.set(name, (total.get(name) ?? 0) + ms);
  }
  const top = (map: Map<string, number>, count: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count);
  return { sampledMs: sampled, self: top(self, 30), total: top(total, 40) };
}
