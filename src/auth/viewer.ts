/** The roles a user holds in their organization, from least to most. */
export const ROLES = ['VIEWER', 'EDITOR', 'REVIEWER', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: resolved from the bearer token once per request. */
export interface Viewer {
  userId: string;
  orgId: string;
  role: Role;
  tokenId: string;
  /** Whether the organization has enabled webhooks: only then are its writes dispatched. */
  webhooks: boolean;
  /**
   * Whether the organization has budgets (organization.budget_count, read by the auth statement):
   * tracking in an organization without any costs no extra statement and no counter call.
   */
  budgets: boolean;
}

/** Which roles grant each capability. ADMIN can do everything; REVIEWER reviews but does not edit. */
export function viewerScopes(viewer: Viewer) {
  const role = viewer.role;
  return {
    viewer: true,
    editor: role === 'EDITOR' || role === 'ADMIN',
    reviewer: role === 'REVIEWER' || role === 'ADMIN',
    admin: role === 'ADMIN',
  };
}
