// Vectorize behind the VectorIndex port (production only; Vectorize has no local mode). The
// organization and model go into each vector's metadata and every query filters on the
// organization, so the index needs metadata indexes on orgId and modelId (see docs/artifacts-and-search.md).
// Vectorize applies writes asynchronously: a vector upserted now is searchable a few seconds later.
import {
  checkQuery,
  type VectorIndex,
  type VectorMatch,
  type VectorQuery,
  type VectorRecord,
} from './vector-index.ts';

/** Vectorize takes up to 1,000 vectors per upsert from a Worker. */
const UPSERT_CHUNK = 1000;

export class VectorizeVectorIndex implements VectorIndex {
  readonly id = 'vectorize';

  private readonly index: VectorizeIndex;
  readonly dimensions: number;

  constructor(index: VectorizeIndex, dimensions: number) {
    this.index = index;
    this.dimensions = dimensions;
  }

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    // Checked here, as the local index does, rather than left to Vectorize's own refusal.
    for (const record of records) {
      if (record.values.length !== this.dimensions) {
        throw new RangeError(
          `Vector ${record.id} has ${record.values.length} dimensions, not ${this.dimensions}`,
        );
      }
    }
    for (let i = 0; i < records.length; i += UPSERT_CHUNK) {
      await this.index.upsert(
        records.slice(i, i + UPSERT_CHUNK).map((record) => ({
          id: record.id,
          values: Array.from(record.values),
          metadata: { orgId: record.orgId, modelId: record.modelId },
        })),
      );
    }
  }

  async delete(orgId: string, ids: readonly string[]): Promise<void> {
    // Ids are UUIDv7 and unique across organizations; orgId is checked by the callers' D1 reads.
    void orgId;
    for (let i = 0; i < ids.length; i += UPSERT_CHUNK) {
      await this.index.deleteByIds(ids.slice(i, i + UPSERT_CHUNK));
    }
  }

  queryMany(queries: readonly VectorQuery[]): Promise<VectorMatch[][]> {
    // Vectorize answers one vector per query; they run concurrently.
    return Promise.all(queries.map((query) => this.query(query)));
  }

  async query(query: VectorQuery): Promise<VectorMatch[]> {
    checkQuery(query, this.dimensions);
    const filter: VectorizeVectorMetadataFilter = { orgId: { $eq: query.orgId } };
    if (query.modelIds) filter.modelId = { $in: [...query.modelIds] };
    else if (query.excludeModelIds?.length) filter.modelId = { $nin: [...query.excludeModelIds] };
    const result = await this.index.query(Array.from(query.vector), {
      topK: query.topK,
      returnMetadata: 'indexed',
      filter,
    });
    return result.matches
      .filter((match) => match.metadata?.orgId === query.orgId)
      .map((match) => ({
        id: match.id,
        modelId: String(match.metadata?.modelId ?? ''),
        score: match.score,
      }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
