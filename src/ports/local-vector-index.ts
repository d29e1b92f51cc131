// The local default VectorIndex: vectors in D1 (table vector_entry), searched exactly: every vector
// of the organization is read in chunks and scored by dot product (vectors are stored unit-length,
// so that is the cosine). Exact and simple; its cost grows linearly with the organization's
// vectors (bench/scenarios/similarity.ts measures it), which is where Vectorize takes over.
import { runBatch } from '../db/batch.ts';
import type { Db } from '../db/db.ts';
import { normalize } from './embedder.ts';
import {
  deleteVectorEntries,
  scanVectorEntries,
  upsertVectorEntries,
  VECTOR_WRITE_CHUNK,
} from './local-vector-index.repository.ts';
import {
  checkQuery,
  type VectorIndex,
  type VectorMatch,
  type VectorQuery,
  type VectorRecord,
} from './vector-index.ts';

/** Rows per statement of a scan: ~4 KiB of base64 each, so one chunk stays near 8 MiB. */
export const SCAN_CHUNK = 2000;

type Base64Bytes = {
  toBase64?: () => string;
};
const Uint8ArrayWithBase64 = Uint8Array as unknown as {
  fromBase64?: (text: string) => Uint8Array;
};

export function encodeVector(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const native = (bytes as Base64Bytes).toBase64;
  if (native) return native.call(bytes);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function decodeVector(text: string): Float32Array {
  const fromBase64 = Uint8ArrayWithBase64.fromBase64;
  let bytes: Uint8Array;
  if (fromBase64) {
    bytes = fromBase64(text);
  } else {
    const binary = atob(text);
    bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  }
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

export class LocalVectorIndex implements VectorIndex {
  readonly id = 'local-d1';

  private readonly db: Db;
  private readonly d1: D1Database;
  readonly dimensions: number;

  constructor(db: Db, d1: D1Database, dimensions: number) {
    this.db = db;
    this.d1 = d1;
    this.dimensions = dimensions;
  }

  async upsert(records: readonly VectorRecord[]): Promise<void> {
    const now = new Date().toISOString();
    const rows = records.map((record) => {
      if (record.values.length !== this.dimensions) {
        throw new RangeError(
          `Vector ${record.id} has ${record.values.length} dimensions, not ${this.dimensions}`,
        );
      }
      return {
        org_id: record.orgId,
        id: record.id,
        model_id: record.modelId,
        dimensions: this.dimensions,
        vector: encodeVector(normalize(Float32Array.from(record.values))),
        updated_at: now,
      };
    });
    // One statement per VECTOR_WRITE_CHUNK vectors, all in one batch: all land or none does.
    const statements = [];
    for (let i = 0; i < rows.length; i += VECTOR_WRITE_CHUNK) {
      statements.push(upsertVectorEntries(this.db, rows.slice(i, i + VECTOR_WRITE_CHUNK)));
    }
    await runBatch(this.d1, statements);
  }

  async delete(orgId: string, ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await deleteVectorEntries(this.db, orgId, ids).execute();
  }

  query(query: VectorQuery): Promise<VectorMatch[]> {
    return this.queryMany([query]).then((results) => results[0] ?? []);
  }

  async queryMany(queries: readonly VectorQuery[]): Promise<VectorMatch[][]> {
    for (const query of queries) checkQuery(query, this.dimensions);
    if (queries.length === 0) return [];
    const orgId = (queries[0] as VectorQuery).orgId;
    if (queries.some((query) => query.orgId !== orgId)) {
      throw new RangeError('queryMany takes queries of one organization');
    }
    const searches = queries.map((query) => ({
      query,
      target: normalize(Float32Array.from(query.vector)),
      only: query.modelIds ? new Set(query.modelIds) : null,
      excluded: new Set(query.excludeModelIds ?? []),
      best: [] as VectorMatch[],
    }));
    const live = searches.filter((search) => search.target.some((value) => value !== 0));
    if (live.length === 0) return searches.map(() => []);
    // A single query filters in SQL; several read every vector once and filter per query.
    const single = queries.length === 1 ? (queries[0] as VectorQuery) : null;
    let afterId: string | null = null;
    for (;;) {
      const rows = await scanVectorEntries(this.db, {
        orgId,
        dimensions: this.dimensions,
        afterId,
        limit: SCAN_CHUNK,
        modelIds: single?.modelIds ?? null,
        excludeModelIds: single?.excludeModelIds ?? null,
      });
      for (const row of rows) {
        const values = decodeVector(row.vector);
        for (const search of live) {
          if (search.only && !search.only.has(row.model_id)) continue;
          if (search.excluded.has(row.model_id)) continue;
          offer(search.best, search.query.topK, row, dot(values, search.target));
        }
      }
      if (rows.length < SCAN_CHUNK) break;
      afterId = (rows[rows.length - 1] as { id: string }).id;
    }
    return searches.map((search) => search.best);
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/**
 * Keeps `best` the topK highest scores, best first. Rows are offered in id order, so a later row
 * with an equal score never displaces an earlier one: ties go to the smaller id.
 */
function offer(
  best: VectorMatch[],
  topK: number,
  row: { id: string; model_id: string },
  score: number,
): void {
  if (best.length === topK && score <= (best[best.length - 1] as VectorMatch).score) return;
  let at = best.length;
  while (at > 0 && (best[at - 1] as VectorMatch).score < score) at -= 1;
  best.splice(at, 0, { id: row.id, modelId: row.model_id, score });
  if (best.length > topK) best.pop();
}
