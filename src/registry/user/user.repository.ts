import { CompiledQuery, type InferResult, sql } from 'kysely';
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

function activeTokenQuery(db: Db, tokenHash: string, now: string) {
  return (
    db
      .selectFrom('api_token')
      .innerJoin('user', 'user.id', 'api_token.user_id')
      // The organization by its primary key, in the statement every request makes anyway: whether
      // it has webhooks decides if the request's writes are dispatched (src/context.ts), whether
      // it has budgets if tracking reserves spend first.
      .innerJoin('organization', 'organization.id', 'api_token.org_id')
      .select([
        'api_token.id as token_id',
        'api_token.org_id as org_id',
        'user.id as user_id',
        'user.role as role',
        'api_token.last_used_at as last_used_at',
        // Kept by triggers (migrations/0014_webhooks.sql), not part of OrganizationTable.
        sql<number>`organization.webhook_count`.as('webhook_count'),
        'organization.budget_count as budget_count',
      ])
      // The caller's own user row, so `viewer { ... }` needs no second statement.
      .select([
        'user.org_id as user_org_id',
        'user.name as user_name',
        'user.email as user_email',
        'user.created_at as user_created_at',
        'user.created_by as user_created_by',
      ])
      .where('api_token.token_hash', '=', tokenHash)
      .where('api_token.revoked_at', 'is', null)
      .where((eb) =>
        eb.or([eb('api_token.expires_at', 'is', null), eb('api_token.expires_at', '>', now)]),
      )
  );
}

type ActiveTokenRow = InferResult<ReturnType<typeof activeTokenQuery>>[number];

/** Stand-ins the token lookup is compiled with, replaced by each call's values. */
const TOKEN_HASH = '\u0000token_hash';
const NOW = '\u0000now';
let activeTokenStatement: CompiledQuery<ActiveTokenRow> | null = null;

/**
 * The token, its user and the user's row, for an unrevoked, unexpired token hash. It runs on every
 * authenticated request, so its SQL is built and compiled once per isolate (6% of the cheapest
 * request's samples went to building and compiling it; bench/run.ts overhead --profile).
 */
export async function findActiveTokenByHash(
  db: Db,
  tokenHash: string,
  now: string,
): Promise<ActiveTokenRow | undefined> {
  activeTokenStatement ??= activeTokenQuery(db, TOKEN_HASH, NOW).compile();
  const parameters = activeTokenStatement.parameters.map((value) =>
    value === TOKEN_HASH ? tokenHash : value === NOW ? now : value,
  );
  const result = await db.executeQuery(
    CompiledQuery.raw(activeTokenStatement.sql, parameters) as CompiledQuery<ActiveTokenRow>,
  );
  return result.rows[0];
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
