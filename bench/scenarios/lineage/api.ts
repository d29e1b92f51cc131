// The HTTP client of the measured requests.
import { processTree, type TreeMemoryDuringRequest, watchMemory } from '../../lib/procmem.ts';
import { MAX_REQUESTS } from './config.ts';

interface Response<T> {
  ok: boolean;
  timedOut: boolean;
  status: number;
  ms: number;
  statements: number;
  bytes: number;
  data: T | null;
  error: string | null;
}

export type Measured = Omit<Response<unknown>, 'data'> & { memory: TreeMemoryDuringRequest | null };

/** A GraphQL operation, or a REST GET of a path on the same server. */
export type Call = { query: string; variables?: Record<string, unknown> } | { get: string };

/** GraphQL over HTTP with the wrangler dev process tree watched; can move to a restarted server. */
export class Api {
  sent = 0;
  /** Sent with every request (an experiment's switch, for example). */
  headers: Record<string, string> = {};
  private url = '';
  private pid: number | undefined;
  private readonly token: string;
  private readonly signal: AbortSignal;
  private readonly timeoutMs: number;
  constructor(token: string, signal: AbortSignal, timeoutMs: number) {
    this.token = token;
    this.signal = signal;
    this.timeoutMs = timeoutMs;
  }

  use(server: { url: string; pid: number | undefined }) {
    this.url = server.url;
    this.pid = server.pid;
  }

  tree() {
    return this.pid === undefined ? [] : processTree(this.pid);
  }

  async post<T>(call: Call): Promise<Response<T>> {
    if (this.sent >= MAX_REQUESTS) throw new Error(`Request budget of ${MAX_REQUESTS} exhausted`);
    this.sent += 1;
    const started = performance.now();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = AbortSignal.any([this.signal, timeout]);
    let response: globalThis.Response;
    let text: string;
    try {
      response =
        'get' in call
          ? // REST: the same server, the route's path.
            await fetch(new URL(call.get, this.url), {
              headers: {
                accept: 'application/json',
                authorization: `Bearer ${this.token}`,
                ...this.headers,
              },
              signal,
            })
          : await fetch(this.url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                accept: 'application/graphql-response+json, application/json',
                authorization: `Bearer ${this.token}`,
                ...this.headers,
              },
              body: JSON.stringify({ query: call.query, variables: call.variables ?? {} }),
              signal,
            });
      text = await response.text();
    } catch (error) {
      if (!timeout.aborted) throw error;
      return {
        ok: false,
        timedOut: true,
        status: 0,
        ms: performance.now() - started,
        statements: Number.NaN,
        bytes: 0,
        data: null,
        error: `no answer within ${this.timeoutMs / 1000} s (client gave up)`,
      };
    }
    const elapsed = performance.now() - started;
    let body: { data?: T; errors?: { message: string }[] } | null = null;
    try {
      body = JSON.parse(text);
      // A REST answer is the data itself.
      if ('get' in call && response.ok) body = { data: body as T };
    } catch {
      body = null;
    }
    const error =
      !response.ok || !body || body.errors?.length || !body.data
        ? `HTTP ${response.status}: ${(body?.errors ? JSON.stringify(body.errors) : text).slice(0, 600)}`
        : null;
    return {
      ok: error === null,
      timedOut: false,
      status: response.status,
      ms: elapsed,
      statements: Number(response.headers.get('x-d1-statements') ?? Number.NaN),
      bytes: Buffer.byteLength(text),
      data: body?.data ?? null,
      error,
    };
  }

  /** Requests that had to be sent again because wrangler dev reloaded (src/ changed) under them. */
  reloadRetries = 0;

  /**
   * One request with the memory of the wrangler dev tree watched. If wrangler dev reloads the Worker
   * under it (someone saved a file in src/), workerd answers 503 "Your worker restarted
   * mid-request": that attempt is dropped and the request sent again (at most twice).
   */
  async measured<T>(call: Call) {
    for (let attempt = 1; ; attempt++) {
      const pids = this.tree();
      const { result, memory } = await watchMemory(pids, () => this.post<T>(call), 25);
      if (attempt <= 2 && reloaded(result)) {
        this.reloadRetries += 1;
        await new Promise((resolve) => setTimeout(resolve, 2000));
        continue;
      }
      const { data, ...rest } = result;
      return { data, measured: { ...rest, memory: pids.length ? memory : null } as Measured };
    }
  }

  /** post(), sent again (at most twice) when wrangler dev reloaded under it. */
  async postRetrying<T>(call: Call) {
    for (let attempt = 1; ; attempt++) {
      const result = await this.post<T>(call);
      if (attempt > 2 || !reloaded(result)) return result;
      this.reloadRetries += 1;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

const reloaded = (response: { status: number; error: string | null }) =>
  response.status === 503 && (response.error ?? '').includes('restarted mid-request');
