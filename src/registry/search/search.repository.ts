import { sql } from 'kysely';
import type { Db } from '../../db/client.ts';
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
    .orderBy('v.id')
    .execute();
}

export type CardSourceRow = Awaited<ReturnType<typeof findCardSources>>[number];

/**
 * Records that a version's card of `generation` is embedded. Guarded, so that a slower refresh of
 * an older generation never marks a newer card as embedded.
 */
export function markEmbedded(
  db: Db,
  entry: { versionId: string; generation: number; cardHash: string; embedder: string; now: string },
) {
  return db
    .updateTable('model_version_embedding')
    .set({
      embedded_generation: entry.generation,
      card_hash: entry.cardHash,
      embedder: entry.embedder,
      embedded_at: entry.now,
    })
    .where('version_id', '=', entry.versionId)
    .where((eb) =>
      eb.or([
        eb('embedded_generation', '<', entry.generation),
        eb('embedder', 'is', null),
        eb('embedder', '!=', entry.embedder),
      ]),
    );
}
