import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api } from '../api/api-client.ts';
import { createTestOrg } from '../helpers/graphql.ts';
import { deliveriesOf, receiverUrl } from './webhook-fixtures.ts';

describe('the webhook REST routes', () => {
  it('create, list, update, test, list deliveries, redeliver, rotate and delete', async () => {
    const org = await createTestOrg('hooks-rest');
    const token = org.admin.token;

    const created = await api(token, 'POST', '/api/webhooks', {
      url: receiverUrl(),
      events: ['MODEL_CREATED'],
      filter: { aliases: ['production'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const id = created.body.webhook.id as string;

    const listed = await api(token, 'GET', '/api/webhooks');
    expect(listed.body.webhooks.map((w: { id: string }) => w.id)).toEqual([id]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret.slice(6));

    const updated = await api(token, 'PATCH', `/api/webhooks/${encodeURIComponent(id)}`, {
      events: ['MODEL_DELETED'],
      description: 'ops',
    });
    expect(updated.status).toBe(200);
    expect(updated.body.webhook).toMatchObject({ events: ['MODEL_DELETED'], description: 'ops' });

    const tested = await api(token, 'POST', `/api/webhooks/${encodeURIComponent(id)}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body.delivery).toMatchObject({ event_type: 'WEBHOOK_TEST', status: 'PENDING' });
    expect(await deliveriesOf(org.orgId)).toHaveLength(1);

    const deliveries = await api(
      token,
      'GET',
      `/api/webhooks/${encodeURIComponent(id)}/deliveries`,
    );
    expect(deliveries.body.deliveries.map((d: { id: string }) => d.id)).toEqual([
      tested.body.delivery.id,
    ]);
    expect(deliveries.body.next_cursor).toBeNull();

    const redelivered = await api(
      token,
      'POST',
      `/api/webhooks/deliveries/${encodeURIComponent(tested.body.delivery.id)}/redeliver`,
    );
    expect(redelivered.status).toBe(200);
    expect(redelivered.body.delivery.event_id).toBe(tested.body.delivery.event_id);

    const rotated = await api(
      token,
      'POST',
      `/api/webhooks/${encodeURIComponent(id)}/rotate-secret`,
      {
        grace_hours: 2,
      },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect(rotated.body.webhook.previous_secret_expires_at).not.toBeNull();

    const deleted = await api(token, 'DELETE', `/api/webhooks/${encodeURIComponent(id)}`);
    expect(deleted.status).toBe(200);
    expect((await api(token, 'GET', '/api/webhooks')).body.webhooks).toEqual([]);
  });

  it('answers bad input, duplicates and non-admins with typed errors', async () => {
    const org = await createTestOrg('hooks-rest-errors');
    const url = receiverUrl();

    const metadata = await api(org.admin.token, 'POST', '/api/webhooks', {
      url: 'http://169.254.169.254/latest',
      events: ['MODEL_CREATED'],
    });
    const unknownEvent = await api(org.admin.token, 'POST', '/api/webhooks', {
      url,
      events: ['NOPE'],
    });
    await api(org.admin.token, 'POST', '/api/webhooks', { url, events: ['MODEL_CREATED'] });
    const duplicate = await api(org.admin.token, 'POST', '/api/webhooks', {
      url,
      events: ['MODEL_CREATED'],
    });
    const editor = await api(org.tokens.EDITOR, 'GET', '/api/webhooks');
    const unknown = await api(
      org.admin.token,
      'GET',
      `/api/webhooks/${encodeURIComponent(btoa(`Webhook:${crypto.randomUUID()}`))}/deliveries`,
    );

    expect(metadata.status).toBe(400);
    expect(metadata.body.error.path).toEqual(['body', 'url']);
    expect(unknownEvent.status).toBe(400);
    expect(unknownEvent.body.error.path).toEqual(['body', 'events', '0']);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.path).toEqual(['body', 'url']);
    expect(editor.status).toBe(403);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.path).toEqual(['params', 'id']);
  });

  it('refuses an Idempotency-Key on a creation, whose answer holds the secret', async () => {
    const org = await createTestOrg('hooks-rest-key');
    const response = await SELF.fetch('http://registry.test/api/webhooks', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${org.admin.token}`,
        'content-type': 'application/json',
        'Idempotency-Key': 'create-once-1',
      },
      body: JSON.stringify({ url: receiverUrl(), events: ['MODEL_CREATED'] }),
    });
    const body = (await response.json()) as { error: { path: string[] } };
    expect(response.status).toBe(400);
    expect(body.error.path).toEqual(['headers', 'Idempotency-Key']);
    expect((await api(org.admin.token, 'GET', '/api/webhooks')).body.webhooks).toEqual([]);
  });
});
