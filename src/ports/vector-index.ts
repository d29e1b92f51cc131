// The VectorIndex port: vectors keyed by id, each in one organization and of one model, searched by
// cosine similarity. Production binds Vectorize (cloudflare-vector-index.ts), the local default is an
// exact search over D1 rows (local-vector-index.ts). Every query names its organization: no
// implementation returns another organization's vectors.

export interface VectorRecord {
  id: string;
  orgId: string;
  modelId: string;
  values: Float32Array;
}

export interface VectorQuery {
  orgId: string;
  vector: Float32Array;
  /** 1 to MAX_TOP_K. */
  topK: number;
  /** Only vectors of these models (at most MAX_FILTER_MODELS). */
  modelIds?: readonly string[];
  /** No vectors of these models (at most MAX_FILTER_MODELS). */
  excludeModelIds?: readonly string[];
}

export interface VectorMatch {
  id: string;
  modelId: string;
  /** Cosine similarity, -1 to 1; higher is closer. */
  score: number;
}

export interface VectorIndex {
  /** Which implementation, for logs and the report: "local-d1" or "vectorize". */
  readonly id: string;
  /** Inserts or replaces vectors by id. */
  upsert(records: readonly VectorRecord[]): Promise<void>;
  /** Removes vectors by id from one organization; unknown ids are ignored. */
  delete(orgId: string, ids: readonly string[]): Promise<void>;
  /** The topK closest vectors of the organization, best first; ties broken by id. */
  query(query: VectorQuery): Promise<VectorMatch[]>;
  /** Several queries at once, answers in order; the local index reads its vectors only once. */
  queryMany(queries: readonly VectorQuery[]): Promise<VectorMatch[][]>;
}

/** Vectorize returns at most 100 matches without values or metadata, so neither port does more. */
export const MAX_TOP_K = 100;
export const MAX_FILTER_MODELS = 50;

/** Checks a query against the limits every implementation shares; throws RangeError. */
export function checkQuery(query: VectorQuery, dimensions: number): void {
  if (!Number.isInteger(query.topK) || query.topK < 1 || query.topK > MAX_TOP_K) {
    throw new RangeError(`topK must be an integer from 1 to ${MAX_TOP_K}`);
  }
  if (query.vector.length !== dimensions) {
    throw new RangeError(
      `The query vector has ${query.vector.length} dimensions, not ${dimensions}`,
    );
  }
  for (const list of [query.modelIds, query.excludeModelIds]) {
    if (list && list.length > MAX_FILTER_MODELS) {
      throw new RangeError(`At most ${MAX_FILTER_MODELS} models per filter`);
    }
  }
}
