// The Embedder port: text in, one unit-length vector per text out. Production binds Workers AI
// (cloudflare-embedder.ts); the local default (local-embedder.ts) needs no account or network.
// Both produce 768 dimensions, so one VectorIndex layout serves either.

export interface Embedder {
  /** Names the model and its dimensions; stored with each embedding, so a switch re-embeds. */
  readonly id: string;
  readonly dimensions: number;
  /** At most this many texts per `embed` call; callers chunk. */
  readonly maxBatch: number;
  /** One vector per text, in order, each of `dimensions` floats and L2 norm 1 (or all zero). */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Scales a vector to unit length in place; an all-zero vector stays zero. */
export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += (vector[i] as number) ** 2;
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) * scale;
  return vector;
}
