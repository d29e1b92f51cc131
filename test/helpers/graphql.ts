import { env, SELF } from 'cloudflare:test';
import type { Role } from '../../src/auth/viewer.ts';
import { createDb } from '../../src/db/client.ts';
import {
  bootstrapOrganization,
  createApiToken,
  createUser,
} from '../../src/registry/user/user.service.ts';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  statements: number;
}

/** Sends an operation through the Worker's fetch, as a client would. */
export async function gql<T = Record<string, any>>(
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const response = await SELF.fetch('http://registry.test/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GraphQLResponse['errors'] };
  return {
    status: response.status,
    data: body.data ?? null,
    errors: body.errors,
    statements: Number(response.headers.get('x-d1-statements') ?? 'NaN'),
  };
}

export function testDb() {
  return createDb(env.DB);
}

let counter = 0;

export interface TestOrg {
  orgId: string;
  admin: { userId: string; token: string };
  tokens: Record<Role, string>;
  userIds: Record<Role, string>;
}

/** A fresh organization with one user and token per role. */
export async function createTestOrg(name = 'org'): Promise<TestOrg> {
  counter += 1;
  const deps = { db: testDb(), d1: env.DB };
  const boot = await bootstrapOrganization(deps, {
    organizationName: `${name}-${counter}-${crypto.randomUUID().slice(0, 8)}`,
    adminName: 'Admin',
  });
  const adminViewer = {
    userId: boot.userId,
    orgId: boot.orgId,
    role: 'ADMIN' as const,
    tokenId: '',
    webhooks: false,
    budgets: false,
  };
  const tokens = { ADMIN: boot.token } as Record<Role, string>;
  const userIds = { ADMIN: boot.userId } as Record<Role, string>;
  for (const role of ['VIEWER', 'EDITOR', 'REVIEWER'] as const) {
    const user = await createUser(deps, adminViewer, { name: `${role} user`, role });
    const { token } = await createApiToken(deps, adminViewer, { userId: user.id, name: role });
    tokens[role] = token;
    userIds[role] = user.id;
  }
  return { orgId: boot.orgId, admin: { userId: boot.userId, token: boot.token }, tokens, userIds };
}
