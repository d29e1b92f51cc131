import type { Generated } from 'kysely';

export interface OrganizationTable {
  id: string;
  name: string;
  created_at: string;
}

/** The table's columns: the row, and the budget count its triggers keep (migration 0016). */
export interface OrganizationColumns extends OrganizationTable {
  budget_count: Generated<number>;
}

export interface UserTable {
  id: string;
  org_id: string;
  name: string;
  email: string | null;
  role: string;
  created_at: string;
  created_by: string | null;
}

export interface ApiTokenTable {
  id: string;
  org_id: string;
  user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: string;
  created_by: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}
