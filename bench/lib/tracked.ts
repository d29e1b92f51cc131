// Helpers the tracking benchmarks share (otlp, tracking): a bounded pool of jobs, a model to
// track against, and how many requests the model's usage counts.
import type { Client } from './graphql.ts';

/** Runs jobs 0..count-1 with at most `concurrency` in flight; each job's latency in ms. */
export async function pool(
  count: number,
  concurrency: number,
  job: (index: number) => Promise<void>,
): Promise<{ wallMs: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        const t = performance.now();
        await job(index);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { wallMs: performance.now() - started, latencies };
}

export async function registerModel(client: Client, name: string): Promise<string> {
  const registered = await client.request<{ modelRegister: { model: { id: string } } }>(
    'mutation($input: ModelRegisterInput!) { modelRegister(input: $input) { ... on ModelRegisterPayload { model { id } } ... on Error { message } } }',
    { input: { name } },
  );
  return registered.data.modelRegister.model.id;
}

/** The requests the model's usage counts (each recorded once, or the benchmark failed). */
export async function usageRequests(client: Client, modelId: string): Promise<number> {
  const usage = await client.request<{ node: { usage: { requests: number } } }>(
    'query($id: ID!) { node(id: $id) { ... on Model { usage { requests } } } }',
    { id: modelId },
  );
  return usage.data.node.usage.requests;
}
