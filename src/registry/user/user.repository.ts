import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { jsonKeys } from '../keys.ts';
import type { ApiTokenTable, OrganizationTable, UserTable } from './user.table.ts';

export function findOrganizationsByIds(db: Db, orgId: string, ids: readonly string[]) {
  // A caller only ever sees its own organization.
  return db
    .selectFrom('organization')
    .selectAll()
    .where('id', 'in', jsonKeys(ids))
    .where('id', '=', orgId)
    .execute();
}

export function findUsersByIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('user')
    .selectAll()
    .where('id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId)
    .execute();
}

export function findUserPage(
  db: Db,
  orgId: string,
  page: { after: string | null; before: string | null; limit: number; inverted: boolean },
) {
  let query = db.selectFrom('user').selectAll().where('org_id', '=', orgId);
  if (page.after) query = query.where('id', '>', page.after);
  if (page.before) query = query.where('id', '<', page.before);
  return query
    .orderBy('id', page.inverted ? 'desc' : 'asc')
    .limit(page.limit)
    .execute();
}

export function findActiveTokenByHash(db: Db, tokenHash: string, now: string) {
  return db
    .selectFrom('api_token')
    .innerJoin('user', 'user.id', 'api_token.user_id')
    .innerJoin('organization', 'organization.id', 'api_token.org_id')
    .select([
      'api_token.id as token_id',
      'api_token.org_id as org_id',
      'user.id as user_id',
      'user.role as role',
      'api_token.last_used_at as last_used_at',
      'organization.budget_count as budget_count',
    ])
    .where('api_token.token_hash', '=', tokenHash)
    .where('api_token.revoked_at', 'is', null)
    .where((eb) =>
      eb.or([eb('api_token.expires_at', 'is', null), eb('api_token.expires_at', '>', now)]),
    )
    .executeTakeFirst();
}

/** Every token column but the hash: nothing read for display ever carries the secret's hash. */
const TOKEN_COLUMNS = [
  'id',
  'org_id',
  'user_id',
  'name',
  'prefix',
  'created_at',
  'created_by',
  'expires_at',
  'revoked_at',
  'last_used_at',
] as const;

export function findTokensByUserIds(db: Db, orgId: string, userIds: readonly string[]) {
  return db
    .selectFrom('api_token')
    .select(TOKEN_COLUMNS)
    .where('user_id', 'in', jsonKeys(userIds))
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
}

export function findTokenById(db: Db, orgId: string, id: string) {
  return db
    .selectFrom('api_token')
    .select(TOKEN_COLUMNS)
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

export function findUserByEmail(db: Db, orgId: string, email: string) {
  return db
    .selectFrom('user')
    .select('id')
    .where('org_id', '=', orgId)
    .where('email', '=', email)
    .executeTakeFirst();
}

export function insertOrganization(db: Db, row: OrganizationTable) {
  return db.insertInto('organization').values(row);
}

export function insertUser(db: Db, row: UserTable) {
  return db.insertInto('user').values(row);
}

export function insertApiToken(db: Db, row: ApiTokenTable) {
  return db.insertInto('api_token').values(row);
}

export function revokeApiToken(db: Db, orgId: string, id: string, now: string) {
  return db
    .updateTable('api_token')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null);
}

/** True while the token is not revoked: the condition of the revocation's audit event. */
export function tokenIsLive(id: string) {
  return sql<boolean>`EXISTS (SELECT 1 FROM api_token WHERE id = ${id} AND revoked_at IS NULL)`;
}

export function touchApiToken(db: Db, id: string, now: string) {
  return db.updateTable('api_token').set({ last_used_at: now }).where('id', '=', id).execute();
}

export function findTokensByIds(db: Db, orgId: string, ids: readonly string[]) {
  return db
    .selectFrom('api_token')
    .select(TOKEN_COLUMNS)
    .where('id', 'in', jsonKeys(ids))
    .where('org_id', '=', orgId)
    .execute();
}
