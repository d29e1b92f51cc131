import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { jsonKeys } from '../keys.ts';

/**
 * Versions of an organization whose embedding is behind their card (a trigger bumped
 * card_generation) or was made by another embedder, oldest first.
 */
export function findStaleEmbeddings(db: Db, orgId: string, embedder: string, limit: number) {
  return db
    .selectFrom('model_version_embedding')
    .select(['version_id', 'card_generation'])
    .where('org_id', '=', orgId)
    .where((eb) =>
      eb.or([
        eb('embedded_generation', '<', eb.ref('card_generation')),
        eb('embedder', 'is', null),
        eb('embedder', '!=', embedder),
      ]),
    )
    .orderBy('version_id')
    .limit(limit)
    .execute();
}

/** Organizations with at least one stale embedding (as findStaleEmbeddings sees them), by id. */
export async function findOrgsWithStaleEmbeddings(db: Db, embedder: string, limit: number) {
  const rows = await db
    .selectFrom('model_version_embedding')
    .select('org_id')
    .distinct()
    .where((eb) =>
      eb.or([
        eb('embedded_generation', '<', eb.ref('card_generation')),
        eb('embedder', 'is', null),
        eb('embedder', '!=', embedder),
      ]),
    )
    .orderBy('org_id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.org_id);
}

/** Everything a version's model card is built from, with its embedding state, in one statement. */
export function findCardSources(db: Db, orgId: string, versionIds: readonly string[]) {
  return db
    .selectFrom('model_version as v')
    .innerJoin('model as m', 'm.id', 'v.model_id')
    .innerJoin('model_version_embedding as e', 'e.version_id', 'v.id')
    .select([
      'v.id as version_id',
      'v.org_id',
      'v.model_id',
      'v.version',
      'v.description as version_description',
      'v.metadata as version_metadata',
      'm.name as model_name',
      'm.description as model_description',
      'm.tags',
      'm.metadata as model_metadata',
      'm.provider',
      'm.framework',
      'm.model_type',
      'e.card_generation',
      'e.card_hash',
      'e.embedder',
    ])
    .select(
      sql<string>`(SELECT json_group_array(name) FROM (SELECT d.name AS name FROM edge AS t JOIN dataset AS d ON d.id = t.dst_id WHERE t.src_id = v.id AND t.type = 'TRAINED_ON' AND t.removed_at IS NULL ORDER BY d.name, d.id))`.as(
        'datasets',
      ),
    )
    .where('v.id', 'in', jsonKeys(versionIds))
    .where('v.org_id', '=', orgId)
    .where('v.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null)
    .orderBy('v.id')
    .execute();
}

export type CardSourceRow = Awaited<ReturnType<typeof findCardSources>>[number];

/**
 * Records that the versions' cards of the given generations are embedded, all in one statement (the
 * entries travel as one JSON parameter, read back with json_each). Guarded per row, so that a slower
 * refresh of an older generation never marks a newer card as embedded.
 */
export function markEmbedded(
  db: Db,
  embedder: string,
  now: string,
  entries: readonly { versionId: string; generation: number; cardHash: string }[],
) {
  const payload = JSON.stringify(
    entries.map((entry) => [entry.versionId, entry.generation, entry.cardHash]),
  );
  return sql`
    WITH input AS (
      SELECT json_extract(value, '$[0]') AS version_id, json_extract(value, '$[1]') AS generation,
        json_extract(value, '$[2]') AS card_hash
      FROM json_each(${payload})
    )
    UPDATE model_version_embedding
    SET embedded_generation = input.generation, card_hash = input.card_hash,
      embedder = ${embedder}, embedded_at = ${now}
    FROM input
    WHERE model_version_embedding.version_id = input.version_id
      AND (model_version_embedding.embedded_generation < input.generation
        OR model_version_embedding.embedder IS NULL
        OR model_version_embedding.embedder != ${embedder})
  `.compile(db);
}

/** Forgets the embeddings of deleted versions (run after the statements that bump them). */
export function deleteEmbeddings(db: Db, versionIds: readonly string[]) {
  return db.deleteFrom('model_version_embedding').where('version_id', 'in', jsonKeys(versionIds));
}
