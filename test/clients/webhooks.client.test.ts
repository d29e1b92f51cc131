// Webhooks end to end on `wrangler dev --local`: a real loopback HTTP receiver in this Node process
// gets the deliveries through the local Queues simulator and verifies every one with the
// `standardwebhooks` npm package, as a receiver written by someone else would.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './registry.ts';

interface Delivery {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The receiver: records every POST; `answers` per path says which status to send next. */
let server: Server;
let origin = '';
const received: Delivery[] = [];
const answers = new Map<string, number[]>();

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const body = await readBody(request);
    const path = request.url ?? '/';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    received.push({ path, headers, body });
    const queue = answers.get(path);
    response.statusCode = (queue && queue.length > 1 ? queue.shift() : queue?.[0]) ?? 200;
    response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function waitFor(
  what: string,
  predicate: () => Delivery[],
  count: number,
  timeoutMs = 45_000,
): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = predicate();
    if (found.length >= count) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what} (${predicate().length}/${count})`);
}

const WebhookCreate = /* GraphQL */ `
  mutation WebhookCreate($input: WebhookCreateInput!) {
    webhookCreate(input: $input) {
      __typename
      ... on WebhookCreatePayload { secret webhook { id } }
      ... on Error { message }
    }
  }
`;

const WebhookRotateSecret = /* GraphQL */ `
  mutation WebhookRotateSecret($input: WebhookRotateSecretInput!) {
    webhookRotateSecret(input: $input) {
      __typename
      ... on WebhookRotateSecretPayload { secret }
      ... on Error { message }
    }
  }
`;

const ModelRegister = /* GraphQL */ `
  mutation ModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) {
      __typename
      ... on ModelRegisterPayload { model { id name } }
      ... on Error { message }
    }
  }
`;

const Webhooks = /* GraphQL */ `
  query Webhooks {
    webhooks {
      id
      deliveries(last: 20) { edges { node { eventId status attempts httpStatus } } }
    }
  }
`;

type Created = { webhookCreate: { __typename: string; secret: string; webhook: { id: string } } };

async function createHook(path: string, events: string[]) {
  const { webhookCreate } = await graphql<Created>(WebhookCreate, {
    input: { url: `${origin}${path}`, events },
  });
  expect(webhookCreate.__typename).toBe('WebhookCreatePayload');
  return webhookCreate;
}

async function registerModel(name: string) {
  const { modelRegister } = await graphql<{
    modelRegister: { __typename: string; model: { id: string } };
  }>(ModelRegister, { input: { name } });
  expect(modelRegister.__typename).toBe('ModelRegisterPayload');
  return modelRegister.model;
}

const at = (path: string) => () => received.filter((delivery) => delivery.path === path);

describe('webhooks through wrangler dev and a real receiver', () => {
  it('delivers a change made through GraphQL, signed so that standardwebhooks verifies it', async () => {
    const path = `/created-${crypto.randomUUID()}`;
    const hook = await createHook(path, ['MODEL_CREATED']);

    const name = `hooked-${crypto.randomUUID().slice(0, 8)}`;
    const model = await registerModel(name);

    const [delivery] = await waitFor('the model.created delivery', at(path), 1);
    const payload = new StandardWebhook(hook.secret).verify(
      delivery?.body ?? '',
      delivery?.headers ?? {},
    ) as { type: string; data: { subject: { id: string }; after: { name: string } } };
    expect(payload.type).toBe('model.created');
    expect(payload.data.subject.id).toBe(model.id);
    expect(payload.data.after.name).toBe(name);
  });

  it('verifies with the old and the new secret during a rotation’s grace period', async () => {
    const path = `/rotated-${crypto.randomUUID()}`;
    const hook = await createHook(path, ['MODEL_CREATED']);
    const { webhookRotateSecret } = await graphql<{
      webhookRotateSecret: { __typename: string; secret: string };
    }>(WebhookRotateSecret, { input: { id: hook.webhook.id } });
    expect(webhookRotateSecret.__typename).toBe('WebhookRotateSecretPayload');

    await registerModel(`rotated-${crypto.randomUUID().slice(0, 8)}`);

    const [delivery] = await waitFor('the delivery after rotation', at(path), 1);
    const { body, headers } = delivery as Delivery;
    expect(() => new StandardWebhook(hook.secret).verify(body, headers)).not.toThrow();
    expect(() =>
      new StandardWebhook(webhookRotateSecret.secret).verify(body, headers),
    ).not.toThrow();
  });

  it('retries a receiver that answers 500, with the same webhook-id, until it answers 200', async () => {
    const path = `/flaky-${crypto.randomUUID()}`;
    answers.set(path, [500, 200]);
    const hook = await createHook(path, ['MODEL_CREATED']);

    await registerModel(`flaky-${crypto.randomUUID().slice(0, 8)}`);

    // The first retry waits 5-10 s (backoff with jitter).
    const deliveries = await waitFor('the retried delivery', at(path), 2, 50_000);
    expect(deliveries[0]?.headers['webhook-id']).toBe(deliveries[1]?.headers['webhook-id']);
    for (const delivery of deliveries) {
      expect(() =>
        new StandardWebhook(hook.secret).verify(delivery.body, delivery.headers),
      ).not.toThrow();
    }
    const eventId = deliveries[0]?.headers['webhook-id'];
    let node: { status: string; attempts: number; httpStatus: number } | undefined;
    for (let i = 0; i < 50 && node?.status !== 'DELIVERED'; i++) {
      const { webhooks } = await graphql<{
        webhooks: {
          id: string;
          deliveries: {
            edges: {
              node: { eventId: string; status: string; attempts: number; httpStatus: number };
            }[];
          };
        }[];
      }>(Webhooks);
      node = webhooks
        .find((webhook) => webhook.id === hook.webhook.id)
        ?.deliveries.edges.find((edge) => edge.node.eventId === eventId)?.node;
      if (node?.status !== 'DELIVERED') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(node).toMatchObject({ status: 'DELIVERED', attempts: 2, httpStatus: 200 });
  });
});
