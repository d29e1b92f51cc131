import type { Role } from '../../auth/viewer.ts';
import type { ApiTokenTable, OrganizationTable, UserTable } from './user.table.ts';

export interface Organization {
  kind: 'Organization';
  id: string;
  name: string;
  createdAt: Date;
}

export interface User {
  kind: 'User';
  id: string;
  orgId: string;
  name: string;
  email: string | null;
  role: Role;
  createdAt: Date;
}

export interface ApiToken {
  kind: 'ApiToken';
  id: string;
  orgId: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export function toOrganization(row: OrganizationTable): Organization {
  return { kind: 'Organization', id: row.id, name: row.name, createdAt: new Date(row.created_at) };
}

export function toUser(row: UserTable): User {
  return {
    kind: 'User',
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    email: row.email,
    role: row.role as Role,
    createdAt: new Date(row.created_at),
  };
}

export function toApiToken(row: Omit<ApiTokenTable, 'token_hash'>): ApiToken {
  return {
    kind: 'ApiToken',
    id: row.id,
    orgId: row.org_id,
    userId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: new Date(row.created_at),
    expiresAt: row.expires_at ? new Date(row.expires_at) : null,
    revokedAt: row.revoked_at ? new Date(row.revoked_at) : null,
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at) : null,
  };
}
