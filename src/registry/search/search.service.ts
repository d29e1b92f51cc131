import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import {
  MAX_FILTER_MODELS,
  MAX_TOP_K,
  type VectorIndex,
  type VectorQuery,
} from '../../ports/vector-index.ts';
import type { Deps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import { nowIso } from '../ids.ts';
import { findUnarchivedVersionsByIds } from '../model/model.repository.ts';
import { type ModelVersion, toModelVersion } from '../model/model.ts';
import { sha256Hex } from '../sha256.ts';
import {
  type CardSourceRow,
  findCardSources,
  findOrgsWithStaleEmbeddings,
  findStaleEmbeddings,
  markEmbedded,
} from './search.repository.ts';
import { modelCardText } from './search.ts';

export const DEFAULT_TOP_K = 10;
export const MAX_SEARCH_TEXT = 2000;
/**
 * Stale versions one refresh looks at, at most. Refresh runs before every search, so a bulk import
 * is caught up over a few requests (and by the scheduled embedding-refresh job) instead of one
 * request doing it all. Whatever the number, a refresh costs a constant number of D1 statements
 * (D1's Free plan allows 50 per Worker invocation, and the search itself needs some): one read of
 * the stale list, one of their cards, the vector writes (one statement per 100 vectors in the local
 * index, none in Vectorize), and one write marking them all embedded.
 */
export const MAX_REFRESH_PER_REQUEST = 200;

export interface RankedVersion {
  modelVersion: ModelVersion;
  score: number;
}

/**
 * Brings the organization's embeddings up to date with their cards, up to `limit` stale versions:
 * every version a trigger marked (new version, changed model, dataset or training edge) or embedded
 * by another embedder is re-embedded, unless its card text hashes to what was embedded before.
 * `checked` equal to `limit` means more may be stale.
 */
export async function refreshEmbeddings(
  deps: Pick<Deps, 'db' | 'd1' | 'embedder' | 'vectorIndex'>,
  orgId: string,
  limit = MAX_REFRESH_PER_REQUEST,
): Promise<{ embedded: number; checked: number }> {
  const stale = await findStaleEmbeddings(deps.db, orgId, deps.embedder.id, limit);
  if (stale.length === 0) return { embedded: 0, checked: 0 };
  const generations = new Map(stale.map((row) => [row.version_id, row.card_generation]));
  const sources = await findCardSources(
    deps.db,
    orgId,
    stale.map((row) => row.version_id),
  );
  const cards = await Promise.all(
    sources.map(async (row) => {
      const text = modelCardText(row);
      return { row, text, hash: await sha256Hex(text) };
    }),
  );
  const changed = cards.filter(
    (card) => card.hash !== card.row.card_hash || card.row.embedder !== deps.embedder.id,
  );
  if (changed.length > 0) {
    // Embedder calls are not D1 statements; the index takes all the vectors in one upsert.
    const vectors: Float32Array[] = [];
    for (let i = 0; i < changed.length; i += deps.embedder.maxBatch) {
      const texts = changed.slice(i, i + deps.embedder.maxBatch).map((card) => card.text);
      vectors.push(...(await deps.embedder.embed(texts)));
    }
    await deps.vectorIndex.upsert(
      changed.map((card, index) => ({
        id: card.row.version_id,
        orgId,
        modelId: card.row.model_id,
        values: vectors[index] as Float32Array,
      })),
    );
  }
  if (cards.length > 0) {
    const now = nowIso();
    await runBatch(deps.d1, [
      markEmbedded(
        deps.db,
        deps.embedder.id,
        now,
        cards.map((card) => ({
          versionId: card.row.version_id,
          // The generation read with the stale list: a bump since then leaves the row stale.
          generation: generations.get(card.row.version_id) ?? card.row.card_generation,
          cardHash: card.hash,
        })),
      ),
    ]);
  }
  return { embedded: changed.length, checked: stale.length };
}

/**
 * Organizations one scheduled run refreshes, at most: each costs about five statements, and the
 * whole cron invocation (every job) shares D1's per-invocation limit.
 */
export const MAX_REFRESH_ORGS_PER_RUN = 4;

/**
 * Refreshes the embeddings of organizations that have stale ones, so a bulk import is caught up
 * without waiting for searches to do it, MAX_REFRESH_PER_REQUEST versions per organization.
 */
export async function refreshStaleOrganizations(
  deps: Pick<Deps, 'db' | 'd1' | 'embedder' | 'vectorIndex'>,
  maxOrgs = MAX_REFRESH_ORGS_PER_RUN,
): Promise<{ organizations: number; embedded: number; checked: number }> {
  const orgIds = await findOrgsWithStaleEmbeddings(deps.db, deps.embedder.id, maxOrgs);
  let embedded = 0;
  let checked = 0;
  for (const orgId of orgIds) {
    const result = await refreshEmbeddings(deps, orgId);
    embedded += result.embedded;
    checked += result.checked;
  }
  return { organizations: orgIds.length, embedded, checked };
}

function checkTopK(topK: number | null | undefined, path: readonly string[]): number {
  const value = topK ?? DEFAULT_TOP_K;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TOP_K) {
    throw new ValidationError(`Must be from 1 to ${MAX_TOP_K}`, path);
  }
  return value;
}

/** Loads the matched versions (in the caller's organization only) in rank order. */
async function rankedVersions(
  db: Db,
  orgId: string,
  matches: readonly { id: string; score: number }[],
): Promise<RankedVersion[]> {
  if (matches.length === 0) return [];
  // Archived versions, and those of archived models, stay in the index (a restore needs no
  // re-embedding) but not in results.
  const rows = await findUnarchivedVersionsByIds(
    db,
    orgId,
    matches.map((match) => match.id),
  );
  const byId = new Map(rows.map((row) => [row.id, toModelVersion(row)]));
  return matches.flatMap((match) => {
    const modelVersion = byId.get(match.id);
    return modelVersion ? [{ modelVersion, score: match.score }] : [];
  });
}

/** Versions whose model card is closest to a free-text description, best first. */
export async function searchModelVersions(
  deps: Pick<Deps, 'db' | 'd1' | 'embedder' | 'vectorIndex'>,
  viewer: Viewer,
  input: { text: string; topK?: number | null },
): Promise<RankedVersion[]> {
  const text = input.text.trim();
  if (text.length === 0) throw new ValidationError('Must not be empty', ['text']);
  if (text.length > MAX_SEARCH_TEXT) {
    throw new ValidationError(`Must be at most ${MAX_SEARCH_TEXT} characters`, ['text']);
  }
  const topK = checkTopK(input.topK, ['topK']);
  await refreshEmbeddings(deps, viewer.orgId);
  const [vector] = await deps.embedder.embed([text]);
  const [matches] = await queryMany(deps.vectorIndex, [
    { orgId: viewer.orgId, vector: vector as Float32Array, topK },
  ]);
  return rankedVersions(deps.db, viewer.orgId, matches ?? []);
}

export interface SimilarFilter {
  includeSameModel?: boolean | null;
  modelIds?: readonly string[] | null;
}

export function checkSimilarArgs(topK: number | null | undefined, filter: SimilarFilter | null) {
  const checkedTopK = checkTopK(topK, ['topK']);
  if (filter?.modelIds && filter.modelIds.length > MAX_FILTER_MODELS) {
    throw new ValidationError(`At most ${MAX_FILTER_MODELS} models`, ['filter', 'modelIds']);
  }
  return checkedTopK;
}

/**
 * For each version, the versions whose cards are closest to its own, best first, never itself;
 * versions of its own model only when `includeSameModel`. All versions are embedded together and
 * searched with one queryMany: a list of versions costs what one costs.
 */
export async function similarVersions(
  deps: Pick<Deps, 'db' | 'd1' | 'embedder' | 'vectorIndex'>,
  viewer: Viewer,
  versionIds: readonly string[],
  options: { topK?: number | null; filter?: SimilarFilter | null },
): Promise<RankedVersion[][]> {
  const topK = checkSimilarArgs(options.topK, options.filter ?? null);
  await refreshEmbeddings(deps, viewer.orgId);
  const sources = await findCardSources(deps.db, viewer.orgId, versionIds);
  const byId = new Map<string, CardSourceRow>(sources.map((row) => [row.version_id, row]));
  const found = versionIds.filter((id) => byId.has(id));
  const texts = found.map((id) => modelCardText(byId.get(id) as CardSourceRow));
  const vectors: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += deps.embedder.maxBatch) {
    vectors.push(...(await deps.embedder.embed(texts.slice(i, i + deps.embedder.maxBatch))));
  }
  const filter = options.filter ?? {};
  const queries = found.map((id, index): VectorQuery => {
    const row = byId.get(id) as CardSourceRow;
    return {
      orgId: viewer.orgId,
      vector: vectors[index] as Float32Array,
      // One more than asked: the version itself is always its own best match and is dropped.
      topK: Math.min(topK + 1, MAX_TOP_K),
      ...(filter.modelIds ? { modelIds: filter.modelIds } : {}),
      ...(filter.includeSameModel ? {} : { excludeModelIds: [row.model_id] }),
    };
  });
  const results = await queryMany(deps.vectorIndex, queries);
  const all = await rankedVersions(deps.db, viewer.orgId, uniqueMatches(results.flat()));
  const versionById = new Map(all.map((ranked) => [ranked.modelVersion.id, ranked.modelVersion]));
  const perVersion = new Map(
    found.map((id, index) => [
      id,
      (results[index] ?? [])
        .filter((match) => match.id !== id && versionById.has(match.id))
        .slice(0, topK)
        .map((match) => ({
          modelVersion: versionById.get(match.id) as ModelVersion,
          score: match.score,
        })),
    ]),
  );
  return versionIds.map((id) => perVersion.get(id) ?? []);
}

function uniqueMatches<T extends { id: string }>(matches: readonly T[]): T[] {
  const seen = new Set<string>();
  return matches.filter((match) => {
    if (seen.has(match.id)) return false;
    seen.add(match.id);
    return true;
  });
}

function queryMany(index: VectorIndex, queries: readonly VectorQuery[]) {
  return queries.length === 0 ? Promise.resolve([]) : index.queryMany(queries);
}
