import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createWebhook } from '../../src/registry/webhook/webhook.service.ts';
import { fieldOf, globalId, seedModel, topLevelError, viewerOf } from '../helpers/fixtures.ts';
import { createTestOrg, gql, testDb } from '../helpers/graphql.ts';
import { deliveriesOf, receiverUrl, webhookDeps } from './webhook-fixtures.ts';

const WebhookCreate = /* GraphQL */ `
  mutation WebhookCreate($input: WebhookCreateInput!) {
    webhookCreate(input: $input) {
      __typename
      ... on WebhookCreatePayload {
        secret
        webhook {
          id url events description enabled previousSecretExpiresAt
          filter { modelIds aliases environments }
        }
      }
      ... on Error { message path }
    }
  }
`;

const WebhookUpdate = /* GraphQL */ `
  mutation WebhookUpdate($input: WebhookUpdateInput!) {
    webhookUpdate(input: $input) {
      __typename
      ... on WebhookUpdatePayload { webhook { id url events enabled description filter { aliases } } }
      ... on Error { message path }
    }
  }
`;

const WebhookDelete = /* GraphQL */ `
  mutation WebhookDelete($input: WebhookDeleteInput!) {
    webhookDelete(input: $input) {
      __typename
      ... on WebhookDeletePayload { webhook { id } }
      ... on Error { message path }
    }
  }
`;

const WebhookRotateSecret = /* GraphQL */ `
  mutation WebhookRotateSecret($input: WebhookRotateSecretInput!) {
    webhookRotateSecret(input: $input) {
      __typename
      ... on WebhookRotateSecretPayload { secret webhook { id previousSecretExpiresAt } }
      ... on Error { message path }
    }
  }
`;

const WebhookTest = /* GraphQL */ `
  mutation WebhookTest($input: WebhookTestInput!) {
    webhookTest(input: $input) {
      __typename
      ... on WebhookTestPayload { delivery { id eventId eventType status attempts createdAt } }
      ... on Error { message path }
    }
  }
`;

const Webhooks = /* GraphQL */ `
  query Webhooks {
    webhooks {
      id url events
      deliveries(first: 10) {
        edges { node { id eventId eventType status httpStatus attempts latencyMs nextAttemptAt responseExcerpt } }
      }
    }
  }
`;

const ModelRegister = /* GraphQL */ `
  mutation ModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) { __typename }
  }
`;

async function storedWebhook(id: string) {
  return testDb().selectFrom('webhook').selectAll().where('id', '=', id).executeTakeFirst();
}

describe('webhookCreate', () => {
  it('creates a webhook and shows its whsec_ secret once, stored encrypted', async () => {
    // given
    const org = await createTestOrg('hooks-create');
    const model = await seedModel(org, 'churn');
    const url = receiverUrl();

    // when
    const result = fieldOf(
      await gql(org.admin.token, WebhookCreate, {
        input: {
          url,
          events: ['MODEL_CREATED', 'ALIAS_MOVED', 'MODEL_CREATED'],
          filter: { modelIds: [globalId('Model', model.id)], aliases: ['production'] },
          description: 'CI deploys',
        },
      }),
      'webhookCreate',
    );

    // then
    expect(result.__typename).toBe('WebhookCreatePayload');
    expect(result.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(result.webhook).toMatchObject({
      url,
      events: ['MODEL_CREATED', 'ALIAS_MOVED'],
      description: 'CI deploys',
      enabled: true,
      previousSecretExpiresAt: null,
      filter: {
        modelIds: [globalId('Model', model.id)],
        aliases: ['production'],
        environments: null,
      },
    });
    const row = await storedWebhook(
      Buffer.from(result.webhook.id, 'base64').toString().split(':')[1] as string,
    );
    expect(row?.secret_encrypted).toMatch(/^v1:/);
    expect(row?.secret_encrypted).not.toContain(result.secret.slice(6, 20));
    const listed = fieldOf(await gql(org.admin.token, Webhooks), 'webhooks');
    expect(JSON.stringify(listed)).not.toContain(result.secret.slice(6));
  });

  it.each([
    ['not a URL', 'not a url', 'Must be an absolute http(s) URL'],
    ['ftp', 'ftp://hooks.example.com/x', 'Must be an https URL'],
    ['http to a public host', 'http://hooks.example.com/x', 'http only to loopback'],
    ['a private address', 'https://10.1.2.3/x', 'private'],
    ['a 172.16/12 address', 'https://172.20.0.1/x', 'private'],
    ['a 192.168/16 address', 'https://192.168.1.1/x', 'private'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data', 'private'],
    ['0.0.0.0', 'https://0.0.0.0/x', 'private'],
    ['an IPv6 unique-local address', 'https://[fd00::1]/x', 'private'],
    ['an IPv6 link-local address', 'https://[fe80::1]/x', 'private'],
    ['a mapped private IPv4', 'https://[::ffff:10.0.0.1]/x', 'private'],
    ['credentials', 'https://user:pw@hooks.example.com/x', 'credentials'],
  ])('refuses %s as a ValidationError on url', async (_name, url, message) => {
    const org = await createTestOrg('hooks-bad-url');
    const before = await testDb()
      .selectFrom('webhook')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', org.orgId)
      .executeTakeFirstOrThrow();

    const result = fieldOf(
      await gql(org.admin.token, WebhookCreate, { input: { url, events: ['MODEL_CREATED'] } }),
      'webhookCreate',
    );

    expect(result).toMatchObject({ __typename: 'ValidationError', path: ['input', 'url'] });
    expect(result.message).toContain(message);
    expect(before.n).toBe(0);
    expect(await deliveriesOf(org.orgId)).toEqual([]);
  });

  it('refuses http, loopback and private addresses in the production configuration', async () => {
    const org = await createTestOrg('hooks-production');
    const create = (url: string) =>
      createWebhook(webhookDeps({ production: true }), viewerOf(org, 'ADMIN'), {
        url,
        events: ['MODEL_CREATED'],
      });

    await expect(create('http://127.0.0.1:8080/x')).rejects.toMatchObject({
      name: 'ValidationError',
      path: ['url'],
    });
    await expect(create('https://localhost/x')).rejects.toThrow('loopback');
    await expect(create('https://[::1]/x')).rejects.toThrow('loopback');
    await expect(create('http://hooks.example.com/x')).rejects.toThrow('https');
    const ok = await create('https://hooks.example.com/x');
    expect(ok.webhook.url).toBe('https://hooks.example.com/x');
  });

  it('refuses the same URL twice in an organization, not across organizations', async () => {
    const org = await createTestOrg('hooks-dup');
    const other = await createTestOrg('hooks-dup-other');
    const url = receiverUrl();
    fieldOf(
      await gql(org.admin.token, WebhookCreate, { input: { url, events: ['MODEL_CREATED'] } }),
      'webhookCreate',
    );

    const again = fieldOf(
      await gql(org.admin.token, WebhookCreate, { input: { url, events: ['MODEL_DELETED'] } }),
      'webhookCreate',
    );
    const elsewhere = fieldOf(
      await gql(other.admin.token, WebhookCreate, { input: { url, events: ['MODEL_DELETED'] } }),
      'webhookCreate',
    );

    expect(again).toMatchObject({ __typename: 'ConflictError', path: ['input', 'url'] });
    expect(elsewhere.__typename).toBe('WebhookCreatePayload');
  });

  it('refuses an unknown event name, no events, and another organization’s model', async () => {
    const org = await createTestOrg('hooks-events');
    const other = await createTestOrg('hooks-events-other');
    const foreign = await seedModel(other, 'foreign');

    const unknown = await gql(org.admin.token, WebhookCreate, {
      input: { url: receiverUrl(), events: ['MODEL_EXPLODED'] },
    });
    const none = fieldOf(
      await gql(org.admin.token, WebhookCreate, { input: { url: receiverUrl(), events: [] } }),
      'webhookCreate',
    );
    const foreignModel = fieldOf(
      await gql(org.admin.token, WebhookCreate, {
        input: {
          url: receiverUrl(),
          events: ['MODEL_CREATED'],
          filter: { modelIds: [globalId('Model', foreign.id)] },
        },
      }),
      'webhookCreate',
    );

    expect(topLevelError(unknown).extensions?.code).toBe('BAD_USER_INPUT');
    expect(none).toMatchObject({ __typename: 'ValidationError', path: ['input', 'events'] });
    expect(foreignModel).toMatchObject({
      __typename: 'NotFoundError',
      path: ['input', 'filter', 'modelIds', '0'],
    });
  });

  it('is refused to non-admins as FORBIDDEN, writing nothing', async () => {
    const org = await createTestOrg('hooks-roles');
    for (const role of ['VIEWER', 'EDITOR', 'REVIEWER'] as const) {
      const result = await gql(org.tokens[role], WebhookCreate, {
        input: { url: receiverUrl(), events: ['MODEL_CREATED'] },
      });
      expect(topLevelError(result).extensions?.code).toBe('FORBIDDEN');
      expect(topLevelError(await gql(org.tokens[role], Webhooks)).extensions?.code).toBe(
        'FORBIDDEN',
      );
    }
    const rows = await testDb()
      .selectFrom('webhook')
      .select('id')
      .where('org_id', '=', org.orgId)
      .execute();
    expect(rows).toEqual([]);
  });
});

describe('webhookUpdate, webhookDelete, webhookRotateSecret, webhookTest', () => {
  async function created(org: Awaited<ReturnType<typeof createTestOrg>>) {
    return fieldOf(
      await gql(org.admin.token, WebhookCreate, {
        input: { url: receiverUrl(), events: ['MODEL_CREATED'] },
      }),
      'webhookCreate',
    );
  }

  it('updates events, filter and enabled, audited', async () => {
    const org = await createTestOrg('hooks-update');
    const { webhook } = await created(org);
    const url = receiverUrl('moved');

    const result = fieldOf(
      await gql(org.admin.token, WebhookUpdate, {
        input: {
          id: webhook.id,
          url,
          events: ['MODEL_DELETED'],
          filter: { aliases: ['staging'] },
          enabled: false,
        },
      }),
      'webhookUpdate',
    );

    expect(result.webhook).toMatchObject({
      url,
      events: ['MODEL_DELETED'],
      enabled: false,
      filter: { aliases: ['staging'] },
    });
    const audit = await testDb()
      .selectFrom('audit_event')
      .selectAll()
      .where('org_id', '=', org.orgId)
      .where('action', '=', 'webhook.update')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]?.after ?? '{}')).toMatchObject({ url, enabled: false });
  });

  it('deletes a webhook with its deliveries', async () => {
    const org = await createTestOrg('hooks-delete');
    const { webhook } = await created(org);
    await seedModel(org, 'announced');
    expect(await deliveriesOf(org.orgId)).toHaveLength(1);

    const result = fieldOf(
      await gql(org.admin.token, WebhookDelete, { input: { id: webhook.id } }),
      'webhookDelete',
    );
    const again = fieldOf(
      await gql(org.admin.token, WebhookDelete, { input: { id: webhook.id } }),
      'webhookDelete',
    );

    expect(result.__typename).toBe('WebhookDeletePayload');
    expect(again).toMatchObject({ __typename: 'NotFoundError', path: ['input', 'id'] });
    expect(await deliveriesOf(org.orgId)).toEqual([]);
    const count = await env.DB.prepare('SELECT webhook_count AS n FROM organization WHERE id = ?')
      .bind(org.orgId)
      .first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it('rotates the secret and keeps the old one for the grace period', async () => {
    const org = await createTestOrg('hooks-rotate');
    const { webhook, secret } = await created(org);

    const result = fieldOf(
      await gql(org.admin.token, WebhookRotateSecret, { input: { id: webhook.id } }),
      'webhookRotateSecret',
    );
    const tooLong = fieldOf(
      await gql(org.admin.token, WebhookRotateSecret, {
        input: { id: webhook.id, graceHours: 1000 },
      }),
      'webhookRotateSecret',
    );

    expect(result.secret).toMatch(/^whsec_/);
    expect(result.secret).not.toBe(secret);
    const expires = Date.parse(result.webhook.previousSecretExpiresAt);
    expect(expires - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(24 * 3_600_000);
    expect(tooLong).toMatchObject({ __typename: 'ValidationError', path: ['input', 'graceHours'] });
  });

  it('sends a webhook.test event to that webhook alone, and dispatches it to the queue', async () => {
    const org = await createTestOrg('hooks-test');
    const { webhook } = await created(org);
    const { webhook: other } = await created(org);

    const result = fieldOf(
      await gql(org.admin.token, WebhookTest, { input: { id: webhook.id } }),
      'webhookTest',
    );

    expect(result.delivery).toMatchObject({
      eventType: 'WEBHOOK_TEST',
      status: 'PENDING',
      attempts: 0,
    });
    expect((await deliveriesOf(org.orgId))[0]?.created_at).toBe(result.delivery.createdAt);
    const deliveries = await deliveriesOf(org.orgId);
    expect(deliveries.map((d) => d.webhook_id)).toEqual([
      Buffer.from(webhook.id, 'base64').toString().split(':')[1],
    ]);
    expect(
      deliveries.some(
        (d) => d.webhook_id === Buffer.from(other.id, 'base64').toString().split(':')[1],
      ),
    ).toBe(false);
    // The request's dispatch (waitUntil) marks it handed to the queue.
    let enqueued: string | null = null;
    for (let i = 0; i < 50 && !enqueued; i++) {
      enqueued = (await deliveriesOf(org.orgId))[0]?.enqueued_at ?? null;
      if (!enqueued) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(enqueued).not.toBeNull();
    const listed = fieldOf(await gql(org.admin.token, Webhooks), 'webhooks');
    const tested = listed.find((w: { id: string }) => w.id === webhook.id);
    expect(tested.deliveries.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([
      result.delivery.id,
    ]);
  });

  it('costs an organization with webhooks no extra counted statement per write', async () => {
    const withHooks = await createTestOrg('hooks-cost-a');
    const without = await createTestOrg('hooks-cost-b');
    await created(withHooks);
    // Both tokens used once already: the hourly last-used stamp is not part of the comparison.
    await gql(without.admin.token, Webhooks);

    const a = await gql(withHooks.admin.token, ModelRegister, { input: { name: 'cost' } });
    const b = await gql(without.admin.token, ModelRegister, { input: { name: 'cost' } });

    expect(a.statements).toBe(b.statements);
    expect(await deliveriesOf(withHooks.orgId)).toHaveLength(1);
    expect(await deliveriesOf(without.orgId)).toEqual([]);
  });

  it('lists webhooks with their deliveries at a constant number of statements', async () => {
    const one = await createTestOrg('hooks-list-one');
    const three = await createTestOrg('hooks-list-three');
    await created(one);
    for (let i = 0; i < 3; i++) await created(three);
    await seedModel(one, 'm');
    await seedModel(three, 'm');

    const a = await gql(one.admin.token, Webhooks);
    const b = await gql(three.admin.token, Webhooks);

    const listed = fieldOf(b, 'webhooks') as { deliveries: { edges: unknown[] } }[];
    expect(listed).toHaveLength(3);
    for (const webhook of listed) expect(webhook.deliveries.edges).toHaveLength(1);
    expect(b.statements).toBe(a.statements);
  });

  it('pages a webhook’s deliveries with cursors', async () => {
    const org = await createTestOrg('hooks-pages');
    const { webhook } = await created(org);
    for (const name of ['m1', 'm2', 'm3']) await seedModel(org, name);
    const Page = /* GraphQL */ `
      query Page($after: String) {
        webhooks { deliveries(first: 2, after: $after) {
          edges { node { eventId } } pageInfo { hasNextPage endCursor }
        } }
      }
    `;

    const first = fieldOf(await gql(org.admin.token, Page), 'webhooks')[0].deliveries;
    const second = fieldOf(
      await gql(org.admin.token, Page, { after: first.pageInfo.endCursor }),
      'webhooks',
    )[0].deliveries;

    expect(webhook.id).toBeTruthy();
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(second.edges).toHaveLength(1);
    expect(second.pageInfo.hasNextPage).toBe(false);
    const ids = [...first.edges, ...second.edges].map(
      (e: { node: { eventId: string } }) => e.node.eventId,
    );
    expect(new Set(ids).size).toBe(3);
  });
});
