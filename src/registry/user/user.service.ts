import { generateToken, hashToken } from '../../auth/token.ts';
import type { Role, Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import type { Db } from '../../db/db.ts';
import { insertAuditEvent, insertAuditEventWhere } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { AlreadyExistsError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { claimWrites, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { requireName } from '../validate.ts';
import {
  findActiveTokenByHash,
  findTokenById,
  findUserByEmail,
  findUsersByIds,
  insertApiToken,
  insertOrganization,
  insertUser,
  revokeApiToken,
  tokenIsLive,
  touchApiToken,
} from './user.repository.ts';
import { type ApiToken, toApiToken, toUser, type User } from './user.ts';

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LAST_USED_RESOLUTION_MS = 60 * 60 * 1000;

/** The caller, and their own user as the by-id read would give it (null if it would not). */
export interface Authenticated {
  viewer: Viewer;
  user: User | null;
}

/**
 * Resolves a bearer token to the caller. Unknown, revoked and expired tokens all give null. The
 * token is looked up by its hash, so no comparison of secrets happens in our code. The same
 * statement reads the caller's user row: `{ viewer { name } }`, the cheapest authenticated
 * request, then runs one statement, not two.
 */
export async function authenticate(
  db: Db,
  token: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<Authenticated | null> {
  const now = nowIso();
  const found = await findActiveTokenByHash(db, await hashToken(token), now);
  if (!found) return null;
  if (
    !found.last_used_at ||
    Date.parse(now) - Date.parse(found.last_used_at) > LAST_USED_RESOLUTION_MS
  ) {
    // Recorded at most hourly and off the request path: a write per request would double D1 load.
    waitUntil(touchApiToken(db, found.token_id, now).catch(() => undefined));
  }
  const viewer: Viewer = {
    userId: found.user_id,
    orgId: found.org_id,
    role: found.role as Role,
    tokenId: found.token_id,
    webhooks: found.webhook_count > 0,
    budgets: found.budget_count > 0,
  };
  // usersByIds reads a user in the viewer's organization only; the same rule here.
  const user =
    found.user_org_id === found.org_id
      ? toUser({
          id: found.user_id,
          org_id: found.user_org_id,
          name: found.user_name,
          email: found.user_email,
          role: found.role,
          created_at: found.user_created_at,
          created_by: found.user_created_by,
        })
      : null;
  return { viewer, user };
}

export interface UserCreateInput {
  name: string;
  email?: string | null;
  role: Role;
}

export async function createUser(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: UserCreateInput,
  claim?: IdempotencyClaim,
): Promise<User> {
  const name = requireName(input.name, ['name']);
  const email = normalizeEmail(input.email);
  if (email && (await findUserByEmail(deps.db, viewer.orgId, email))) {
    throw new AlreadyExistsError(`A user with email ${email} already exists`, ['email']);
  }
  const row = {
    id: newId(),
    org_id: viewer.orgId,
    name,
    email,
    role: input.role,
    created_at: nowIso(),
    created_by: viewer.userId,
  };
  const user = toUser(row);
  await runUnique(deps, [
    ...claimWrites(deps.db, claim, user),
    insertUser(deps.db, row),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'user.create',
      subjectId: row.id,
      subjectKind: 'User',
      after: { name, email, role: input.role },
    }),
  ]);
  return user;
}

export interface ApiTokenCreateInput {
  userId: string;
  name: string;
  expiresAt?: Date | null;
}

/** Creates a token for a user of the caller's organization; the secret is returned only here. */
export async function createApiToken(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  input: ApiTokenCreateInput,
): Promise<{ token: string; apiToken: ApiToken }> {
  const name = requireName(input.name, ['name']);
  const [user] = await findUsersByIds(deps.db, viewer.orgId, [input.userId]);
  if (!user) throw new NotFoundError('No such user', ['userId'], input.userId, 'User');
  const now = nowIso();
  if (input.expiresAt && input.expiresAt.toISOString() <= now) {
    throw new ValidationError('Must be in the future', ['expiresAt']);
  }
  const { token, prefix } = generateToken();
  const row = {
    id: newId(),
    org_id: viewer.orgId,
    user_id: user.id,
    name,
    token_hash: await hashToken(token),
    prefix,
    created_at: now,
    created_by: viewer.userId,
    expires_at: input.expiresAt ? input.expiresAt.toISOString() : null,
    revoked_at: null,
    last_used_at: null,
  };
  await runBatch(deps.d1, [
    insertApiToken(deps.db, row),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'apiToken.create',
      subjectId: row.id,
      subjectKind: 'ApiToken',
      after: { userId: user.id, name, prefix, expiresAt: row.expires_at },
    }),
  ]);
  return { token, apiToken: toApiToken(row) };
}

export async function revokeApiTokenById(
  deps: Pick<Deps, 'db' | 'd1'>,
  viewer: Viewer,
  tokenId: string,
): Promise<ApiToken> {
  const existing = await findTokenById(deps.db, viewer.orgId, tokenId);
  if (!existing) {
    throw new NotFoundError('No such API token', ['id'], tokenId, 'ApiToken');
  }
  if (existing.revoked_at) throw new ConflictError('The token is already revoked', ['id']);
  const now = nowIso();
  // The audit event first, written only while the token is still live: the batch is one
  // transaction, so it is then this request that revokes it. Two revocations at once record one.
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'apiToken.revoke',
        subjectId: tokenId,
        subjectKind: 'ApiToken',
        before: { revokedAt: null },
        after: { revokedAt: now },
      },
      tokenIsLive(tokenId),
    ),
    revokeApiToken(deps.db, viewer.orgId, tokenId, now),
  ]);
  if (results[1]?.meta.changes === 0) {
    throw new ConflictError('The token is already revoked', ['id']);
  }
  return toApiToken({ ...existing, revoked_at: now });
}

/**
 * Creates an organization with its first admin and token. Used by local set-up and by tests; there
 * is deliberately no GraphQL mutation for it (organizations are provisioned by operators).
 */
export async function bootstrapOrganization(
  deps: Pick<Deps, 'db' | 'd1'>,
  input: { organizationName: string; adminName: string; adminEmail?: string | null },
): Promise<{ orgId: string; userId: string; token: string }> {
  const now = nowIso();
  const orgId = newId();
  const userId = newId();
  const { token, prefix } = generateToken();
  await runBatch(deps.d1, [
    insertOrganization(deps.db, { id: orgId, name: input.organizationName, created_at: now }),
    insertUser(deps.db, {
      id: userId,
      org_id: orgId,
      name: input.adminName,
      email: input.adminEmail ?? null,
      role: 'ADMIN',
      created_at: now,
      created_by: null,
    }),
    insertApiToken(deps.db, {
      id: newId(),
      org_id: orgId,
      user_id: userId,
      name: 'bootstrap',
      token_hash: await hashToken(token),
      prefix,
      created_at: now,
      created_by: null,
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
    }),
  ]);
  return { orgId, userId, token };
}

function normalizeEmail(email: string | null | undefined): string | null {
  if (email === null || email === undefined) return null;
  const trimmed = email.trim().toLowerCase();
  if (!EMAIL_PATTERN.test(trimmed) || trimmed.length > 320) {
    throw new ValidationError('Must be an email address', ['email']);
  }
  return trimmed;
}

async function runUnique(deps: Pick<Deps, 'db' | 'd1'>, queries: Parameters<typeof runBatch>[1]) {
  try {
    await runBatch(deps.d1, queries);
  } catch (error) {
    if (String(error).includes('UNIQUE constraint failed: user.org_id, user.email')) {
      throw new AlreadyExistsError('A user with this email already exists', ['email']);
    }
    throw error;
  }
}
