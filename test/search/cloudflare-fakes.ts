// In-test fakes of the AI and VECTORIZE binding interfaces, written from Cloudflare's documentation
// of the bindings (not from our code): they let the Cloudflare implementations of the ports
// (src/ports/cloudflare-*.ts) run here, record every request our code sends, and refuse what the
// real bindings refuse. They are fakes of the binding interfaces, not the services: no model runs
// (the fake AI's vectors come from a text hash) and Vectorize's approximate index is an exact scan.
//
// What they reproduce, from the documentation:
// - Workers AI, `env.AI.run('@cf/baai/bge-base-en-v1.5', { text: string | string[] })` answers
//   `{ shape: [n, 768], data: number[][], pooling: 'mean' }`; at most 100 texts per request; an
//   unknown model is an error.
// - Vectorize (V2 binding): `upsert(vectors)` and `deleteByIds(ids)` answer `{ mutationId }` and
//   apply asynchronously (here: when the test calls `settle()`); values must have the index's
//   dimensions; at most 1,000 vectors per upsert from a Worker; ids up to 64 bytes.
//   `query(vector, { topK, returnValues, returnMetadata, filter })` answers
//   `{ count, matches: [{ id, score, values?, metadata? }] }`, best first, cosine score for a
//   cosine index; topK at most 100 without values or full metadata, 50 with; the filter is applied
//   before topK and may only use properties that have a metadata index (a vector written before its
//   index existed is not found by a filter on it); operators $eq, $ne, $in, $nin, and a bare value
//   meaning $eq; returnMetadata 'indexed' returns only the indexed properties, 'all' (or true) all.

export const BGE_BASE = '@cf/baai/bge-base-en-v1.5';

export interface AiCall {
  model: string;
  inputs: unknown;
}

/** A fake `Ai` binding that embeds with `embed(text)` and scales the result, as models do not
 * promise unit vectors. */
export class FakeAi {
  readonly calls: AiCall[] = [];
  /** The next call's answer, replacing the computed one (for malformed-response tests). */
  nextResponse: unknown = undefined;

  constructor(private readonly embed: (text: string) => Float32Array) {}

  async run(model: string, inputs: unknown): Promise<unknown> {
    this.calls.push({ model, inputs: structuredClone(inputs) });
    if (model !== BGE_BASE) throw new Error(`AiError: No such model ${model} or task`);
    const text = (inputs as { text?: unknown }).text;
    const texts = typeof text === 'string' ? [text] : text;
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string') || texts.length === 0) {
      throw new Error('AiError: Input validation failed: text must be a string or string[]');
    }
    if (texts.length > 100) throw new Error('AiError: text: at most 100 items');
    if (this.nextResponse !== undefined) {
      const response = this.nextResponse;
      this.nextResponse = undefined;
      return response;
    }
    const data = texts.map((t) => Array.from(this.embed(t), (value) => value * 2.5));
    return { shape: [data.length, data[0]?.length ?? 0], data, pooling: 'mean' };
  }
}

type Metadata = Record<string, string | number | boolean>;
interface StoredVector {
  id: string;
  values: number[];
  metadata: Metadata;
  /** Indexed properties, fixed when the vector was written (as Vectorize does). */
  indexed: Metadata;
}
type Condition =
  | string
  | number
  | boolean
  | {
      $eq?: unknown;
      $ne?: unknown;
      $in?: unknown[];
      $nin?: unknown[];
    };

export interface VectorizeCall {
  method: 'upsert' | 'insert' | 'deleteByIds' | 'query';
  args: unknown[];
}

/** A fake `VectorizeIndex` binding of a cosine index with `dimensions` and metadata indexes. */
export class FakeVectorize {
  readonly calls: VectorizeCall[] = [];
  private readonly vectors = new Map<string, StoredVector>();
  private pending: (() => void)[] = [];
  private mutations = 0;

  constructor(
    readonly dimensions: number,
    readonly metadataIndexes: readonly string[] = ['orgId', 'modelId'],
  ) {}

  /** Applies the writes accepted so far, as Vectorize does a few seconds after answering. */
  settle(): Promise<void> {
    for (const apply of this.pending) apply();
    this.pending = [];
    return Promise.resolve();
  }

  /** Writes accepted and not yet applied. */
  get pendingWrites(): number {
    return this.pending.length;
  }

  async upsert(vectors: { id: string; values: unknown; metadata?: Metadata }[]) {
    this.calls.push({ method: 'upsert', args: [structuredClone(vectors)] });
    if (vectors.length > 1000) throw new Error('VECTOR_UPSERT_ERROR: at most 1000 vectors');
    const stored = vectors.map((vector) => {
      if (new TextEncoder().encode(vector.id).byteLength > 64) {
        throw new Error(`VECTOR_UPSERT_ERROR: id ${vector.id} longer than 64 bytes`);
      }
      const values = Array.from(vector.values as ArrayLike<number>);
      if (values.length !== this.dimensions) {
        throw new Error(
          `VECTOR_UPSERT_ERROR (code = 40012): vector dimensions ${values.length} do not match index dimensions ${this.dimensions}`,
        );
      }
      if (values.some((value) => !Number.isFinite(value))) {
        throw new Error('VECTOR_UPSERT_ERROR: values must be finite numbers');
      }
      const metadata = { ...(vector.metadata ?? {}) };
      if (JSON.stringify(metadata).length > 10 * 1024) {
        throw new Error('VECTOR_UPSERT_ERROR: metadata over 10 KiB');
      }
      const indexed: Metadata = {};
      for (const key of this.metadataIndexes) {
        if (key in metadata) indexed[key] = metadata[key] as string | number | boolean;
      }
      return { id: vector.id, values, metadata, indexed };
    });
    this.pending.push(() => {
      for (const vector of stored) this.vectors.set(vector.id, vector);
    });
    return { mutationId: `m${++this.mutations}` };
  }

  async deleteByIds(ids: string[]) {
    this.calls.push({ method: 'deleteByIds', args: [[...ids]] });
    this.pending.push(() => {
      for (const id of ids) this.vectors.delete(id);
    });
    return { mutationId: `m${++this.mutations}` };
  }

  async query(
    vector: unknown,
    options: {
      topK?: number;
      returnValues?: boolean;
      returnMetadata?: boolean | 'none' | 'indexed' | 'all';
      filter?: Record<string, Condition>;
      namespace?: string;
    } = {},
  ) {
    this.calls.push({
      method: 'query',
      args: [Array.from(vector as ArrayLike<number>), structuredClone(options)],
    });
    const values = Array.from(vector as ArrayLike<number>);
    if (values.length !== this.dimensions) {
      throw new Error(
        `VECTOR_QUERY_ERROR (code = 40006): query vector dimensions ${values.length} do not match index dimensions ${this.dimensions}`,
      );
    }
    const topK = options.topK ?? 5;
    const level = options.returnMetadata === true ? 'all' : options.returnMetadata || 'none';
    const maxTopK = options.returnValues || level === 'all' ? 50 : 100;
    if (!Number.isInteger(topK) || topK < 1 || topK > maxTopK) {
      throw new Error(`VECTOR_QUERY_ERROR: topK must be from 1 to ${maxTopK}`);
    }
    const filter = options.filter ?? {};
    const candidates = [...this.vectors.values()].filter((stored) =>
      Object.entries(filter).every(([key, condition]) => matches(stored, key, condition)),
    );
    const scored = candidates
      .map((stored) => ({ stored, score: cosine(values, stored.values) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);
    return {
      count: scored.length,
      matches: scored.map(({ stored, score }) => ({
        id: stored.id,
        score,
        ...(options.returnValues ? { values: stored.values } : {}),
        ...(level === 'all'
          ? { metadata: stored.metadata }
          : level === 'indexed'
            ? { metadata: stored.indexed }
            : {}),
      })),
    };
  }
}

/** A filter can only see indexed properties: without an index, no vector has the property. */
function matches(stored: StoredVector, key: string, condition: Condition): boolean {
  if (!(key in stored.indexed)) return false;
  const value = stored.indexed[key];
  if (typeof condition !== 'object' || condition === null) return value === condition;
  if ('$eq' in condition && value !== condition.$eq) return false;
  if ('$ne' in condition && value === condition.$ne) return false;
  if (condition.$in && !condition.$in.includes(value)) return false;
  if (condition.$nin?.includes(value)) return false;
  return true;
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
