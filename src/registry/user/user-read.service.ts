// Reads of users, organizations and API tokens for both APIs, as domain objects.
import type { Viewer } from '../../auth/viewer.ts';
import type { Deps } from '../deps.ts';
import { groupRows, type PageRequest } from '../paging.ts';
import {
  findOrganizationsByIds,
  findTokensByUserIds,
  findUserPage,
  findUsersByIds,
} from './user.repository.ts';
import {
  type ApiToken,
  type Organization,
  toApiToken,
  toOrganization,
  toUser,
  type User,
} from './user.ts';

/** The caller's organization when among `ids`. */
export async function organizationsByIds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  ids: readonly string[],
): Promise<Organization[]> {
  return (await findOrganizationsByIds(deps.db, viewer.orgId, ids)).map(toOrganization);
}

/** The users of the caller's organization among `ids`, in id order. */
export async function usersByIds(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  ids: readonly string[],
): Promise<User[]> {
  return (await findUsersByIds(deps.db, viewer.orgId, ids)).map(toUser);
}

/** One page of the users of the caller's organization, by id. */
export async function userPage(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  page: PageRequest,
): Promise<User[]> {
  return (await findUserPage(deps.db, viewer.orgId, page)).map(toUser);
}

/**
 * The API tokens of each user, in the order of `userIds`: a user sees their own, an admin everyone's;
 * anyone else's list is empty.
 */
export async function tokensOfUsers(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  userIds: readonly string[],
): Promise<ApiToken[][]> {
  const visible = userIds.filter((id) => viewer.userId === id || viewer.role === 'ADMIN');
  const rows = visible.length ? await findTokensByUserIds(deps.db, viewer.orgId, visible) : [];
  return groupRows(userIds, rows, (row) => row.user_id).map((group) => group.map(toApiToken));
}
