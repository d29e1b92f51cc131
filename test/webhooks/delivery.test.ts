import { Webhook as StandardWebhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { setModelAlias } from '../../src/registry/model/model.service.ts';
import {
  redeliverWebhookDelivery,
  rotateWebhookSecret,
  updateWebhook,
} from '../../src/registry/webhook/webhook.service.ts';
import {
  attemptDelivery,
  backoffSeconds,
  consumeWebhookBatch,
  MAX_ATTEMPTS,
} from '../../src/registry/webhook/webhook-delivery.service.ts';
import {
  dispatchNewDeliveries,
  sweepLeftBehindDeliveries,
  type WebhookMessage,
} from '../../src/registry/webhook/webhook-dispatch.service.ts';
import { globalId, seedModel, seedVersion, serviceDeps, viewerOf } from '../helpers/fixtures.ts';
import { createTestOrg, testDb } from '../helpers/graphql.ts';
import { deliveriesOf, seedWebhook, webhookDeps } from './webhook-fixtures.ts';

interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
  redirect: RequestRedirect | undefined;
  hasSignal: boolean;
}

/** A receiver as a fetch: answers from `answers` in turn (the last one repeats), records calls. */
function fakeReceiver(...answers: (() => Response | Promise<Response>)[]) {
  const received: Received[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    received.push({
      url: String(input),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: String(init?.body),
      redirect: init?.redirect,
      hasSignal: init?.signal instanceof AbortSignal,
    });
    const answer = answers[Math.min(received.length - 1, answers.length - 1)];
    return (answer as () => Response)();
  }) as typeof globalThis.fetch;
  return { fetch, received };
}

function consumerDeps(fetch: typeof globalThis.fetch) {
  const { db, config } = webhookDeps();
  return { db, config, fetch, random: () => 0.5 };
}

async function oneDelivery(orgId: string) {
  const [delivery] = await deliveriesOf(orgId);
  if (!delivery) throw new Error('no delivery');
  return delivery;
}

describe('delivering a webhook event', () => {
  it('POSTs the event signed as Standard Webhooks says, and a verifier accepts it', async () => {
    // given
    const org = await createTestOrg('deliver-sign');
    const model = await seedModel(org, 'ranker');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0');
    await setModelAlias(serviceDeps(), viewerOf(org), { versionId: v1.id, alias: 'staging' });
    const { webhook, secret } = await seedWebhook(org, { events: ['ALIAS_MOVED'] });
    await setModelAlias(serviceDeps(), viewerOf(org), { versionId: v2.id, alias: 'staging' });
    const delivery = await oneDelivery(org.orgId);
    const receiver = fakeReceiver(() => new Response('thanks', { status: 202 }));

    // when
    const outcome = await attemptDelivery(consumerDeps(receiver.fetch), delivery.id);

    // then
    expect(outcome).toEqual({ status: 'DELIVERED', retryInSeconds: null });
    const [call] = receiver.received;
    expect(call?.url).toBe(webhook.url);
    expect(call?.redirect).toBe('manual');
    expect(call?.hasSignal).toBe(true);
    expect(call?.headers['webhook-id']).toBe(delivery.event_id);
    const payload = new StandardWebhook(secret).verify(call?.body ?? '', call?.headers ?? {}) as {
      type: string;
      data: Record<string, unknown>;
    };
    expect(payload.type).toBe('alias.moved');
    expect(payload.data).toMatchObject({
      eventId: delivery.event_id,
      eventType: 'ALIAS_MOVED',
      organization: globalId('Organization', org.orgId),
      actor: globalId('User', org.userIds.EDITOR),
      subject: { id: globalId('Model', model.id), kind: 'Model' },
      alias: 'staging',
      previousVersion: globalId('ModelVersion', v1.id),
      version: globalId('ModelVersion', v2.id),
    });
    expect(payload.data.nodeIds).toEqual(
      expect.arrayContaining([
        globalId('Model', model.id),
        globalId('ModelVersion', v1.id),
        globalId('ModelVersion', v2.id),
      ]),
    );
    const stored = await oneDelivery(org.orgId);
    expect(stored).toMatchObject({
      status: 'DELIVERED',
      attempts: 1,
      http_status: 202,
      response_excerpt: 'thanks',
      next_attempt_at: null,
    });
    expect(stored.latency_ms).toBeGreaterThanOrEqual(0);
    expect(stored.delivered_at).not.toBeNull();
  });

  it('signs with both secrets during a rotation’s grace period', async () => {
    const org = await createTestOrg('deliver-rotate');
    const { webhook, secret: oldSecret } = await seedWebhook(org);
    const { secret: newSecret } = await rotateWebhookSecret(webhookDeps(), viewerOf(org, 'ADMIN'), {
      id: webhook.id,
    });
    await seedModel(org, 'after-rotation');
    const receiver = fakeReceiver(() => new Response(null, { status: 200 }));

    await attemptDelivery(consumerDeps(receiver.fetch), (await oneDelivery(org.orgId)).id);

    const call = receiver.received[0] as Received;
    expect(call.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(() => new StandardWebhook(newSecret).verify(call.body, call.headers)).not.toThrow();
    expect(() => new StandardWebhook(oldSecret).verify(call.body, call.headers)).not.toThrow();
    const wrong = new StandardWebhook(`whsec_${btoa('x'.repeat(32))}`);
    expect(() => wrong.verify(call.body, call.headers)).toThrow();
  });

  it('signs with the new secret only once the grace period is over (graceHours 0)', async () => {
    const org = await createTestOrg('deliver-rotate-now');
    const { webhook, secret: oldSecret } = await seedWebhook(org);
    const { secret: newSecret } = await rotateWebhookSecret(webhookDeps(), viewerOf(org, 'ADMIN'), {
      id: webhook.id,
      graceHours: 0,
    });
    await seedModel(org, 'after-rotation');
    const receiver = fakeReceiver(() => new Response(null, { status: 200 }));

    await attemptDelivery(consumerDeps(receiver.fetch), (await oneDelivery(org.orgId)).id);

    const call = receiver.received[0] as Received;
    expect(() => new StandardWebhook(newSecret).verify(call.body, call.headers)).not.toThrow();
    expect(() => new StandardWebhook(oldSecret).verify(call.body, call.headers)).toThrow();
  });

  it('retries a non-2xx answer with growing delays, then marks it DEAD', async () => {
    const org = await createTestOrg('deliver-retry');
    await seedWebhook(org);
    await seedModel(org, 'failing');
    const id = (await oneDelivery(org.orgId)).id;
    const receiver = fakeReceiver(() => new Response('x'.repeat(5000), { status: 500 }));
    const deps = consumerDeps(receiver.fetch);

    const delays: (number | null)[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const outcome = await attemptDelivery(deps, id);
      delays.push(outcome.retryInSeconds);
      if (attempt < MAX_ATTEMPTS) {
        expect(outcome.status).toBe('FAILED');
        const row = await oneDelivery(org.orgId);
        expect(row).toMatchObject({ status: 'FAILED', attempts: attempt, http_status: 500 });
        expect(row.response_excerpt).toHaveLength(256);
        expect(Date.parse(row.next_attempt_at ?? '')).toBeGreaterThan(Date.now());
      } else {
        expect(outcome.status).toBe('DEAD');
      }
    }
    // random() = 0.5 takes 75% of 10 s * 2^(n-1): 8, 15, 30, 60, 120, 240, 480; then none.
    expect(delays).toEqual([8, 15, 30, 60, 120, 240, 480, null]);
    expect(await oneDelivery(org.orgId)).toMatchObject({
      status: 'DEAD',
      attempts: MAX_ATTEMPTS,
      next_attempt_at: null,
    });
    // A DEAD delivery is not attempted again by a stray message.
    expect((await attemptDelivery(deps, id)).status).toBe('SKIPPED');
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
    // The same event id every time.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('keeps the jittered delay between half and all of the exponential step, capped at an hour', () => {
    expect(backoffSeconds(1, () => 0)).toBe(5);
    expect(backoffSeconds(1, () => 1)).toBe(10);
    expect(backoffSeconds(3, () => 0.999)).toBe(40);
    expect(backoffSeconds(30, () => 1)).toBe(3600);
  });

  it('counts a redirect, a refused connection and a timeout as failures', async () => {
    const org = await createTestOrg('deliver-failures');
    await seedWebhook(org);
    await seedModel(org, 'm1');
    const id = (await oneDelivery(org.orgId)).id;
    const receiver = fakeReceiver(
      () => new Response(null, { status: 302, headers: { location: 'http://10.0.0.1/' } }),
      () => {
        throw new TypeError('connection refused');
      },
      () => {
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      },
    );
    const deps = consumerDeps(receiver.fetch);

    await attemptDelivery(deps, id);
    expect(await oneDelivery(org.orgId)).toMatchObject({ status: 'FAILED', http_status: 302 });
    await attemptDelivery(deps, id);
    expect(await oneDelivery(org.orgId)).toMatchObject({
      status: 'FAILED',
      http_status: null,
      response_excerpt: 'Request failed: connection refused',
    });
    await attemptDelivery(deps, id);
    expect(await oneDelivery(org.orgId)).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      response_excerpt: 'No answer within 10 s',
    });
    expect(receiver.received).toHaveLength(3);
  });

  it('marks a delivery of a disabled webhook DEAD without sending it', async () => {
    const org = await createTestOrg('deliver-disabled');
    const { webhook } = await seedWebhook(org);
    await seedModel(org, 'm1');
    await updateWebhook(webhookDeps(), viewerOf(org, 'ADMIN'), { id: webhook.id, enabled: false });
    const receiver = fakeReceiver(() => new Response(null, { status: 200 }));

    const outcome = await attemptDelivery(
      consumerDeps(receiver.fetch),
      (await oneDelivery(org.orgId)).id,
    );

    expect(outcome.status).toBe('DEAD');
    expect(receiver.received).toEqual([]);
  });

  it('redelivers a dead delivery with the same event id and a fresh set of attempts', async () => {
    const org = await createTestOrg('deliver-redeliver');
    await seedWebhook(org);
    await seedModel(org, 'm1');
    const id = (await oneDelivery(org.orgId)).id;
    const failing = consumerDeps(fakeReceiver(() => new Response(null, { status: 503 })).fetch);
    for (let i = 0; i < MAX_ATTEMPTS; i++) await attemptDelivery(failing, id);
    expect((await oneDelivery(org.orgId)).status).toBe('DEAD');

    const redelivered = await redeliverWebhookDelivery(webhookDeps(), viewerOf(org, 'ADMIN'), id);
    const receiver = fakeReceiver(() => new Response('ok', { status: 200 }));
    await attemptDelivery(consumerDeps(receiver.fetch), id);

    expect(redelivered).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(await oneDelivery(org.orgId)).toMatchObject({ status: 'DELIVERED', attempts: 1 });
    expect(receiver.received[0]?.headers['webhook-id']).toBe(redelivered.eventId);
    await expect(
      redeliverWebhookDelivery(webhookDeps(), viewerOf(org, 'ADMIN'), 'nope'),
    ).rejects.toMatchObject({ name: 'NotFoundError', path: ['deliveryId'] });
  });

  it('acks a settled delivery, retries a failed one with its backoff delay', async () => {
    const org = await createTestOrg('deliver-consumer');
    await seedWebhook(org);
    await seedModel(org, 'm1');
    await seedModel(org, 'm2');
    const [first, second] = await deliveriesOf(org.orgId);
    const outcomes: string[] = [];
    const message = (deliveryId: string) => ({
      id: deliveryId,
      timestamp: new Date(),
      attempts: 1,
      body: { deliveryId },
      ack: () => outcomes.push(`ack ${deliveryId}`),
      retry: (options?: { delaySeconds?: number }) =>
        outcomes.push(`retry ${deliveryId} ${options?.delaySeconds}`),
    });
    const receiver = fakeReceiver(
      () => new Response(null, { status: 200 }),
      () => new Response(null, { status: 500 }),
    );
    const batch = {
      queue: 'model-registry-webhooks',
      messages: [message(first?.id ?? ''), message(second?.id ?? '')],
      ackAll: () => undefined,
      retryAll: () => undefined,
    } as unknown as MessageBatch<WebhookMessage>;

    await consumeWebhookBatch(consumerDeps(receiver.fetch), batch);

    expect(outcomes.sort()).toEqual([`ack ${first?.id}`, `retry ${second?.id} 8`].sort());
  });
});

describe('dispatching to the queue', () => {
  function recordingQueue() {
    const sent: WebhookMessage[] = [];
    const queue = {
      sendBatch: async (messages: Iterable<MessageSendRequest<WebhookMessage>>) => {
        for (const message of messages) sent.push(message.body);
      },
    } as unknown as Queue<WebhookMessage>;
    return { queue, sent };
  }

  it('hands each new delivery to the queue once', async () => {
    const org = await createTestOrg('dispatch-once');
    await seedWebhook(org);
    await seedModel(org, 'm1');
    const { queue, sent } = recordingQueue();
    const deps = { db: testDb(), webhookQueue: queue };

    const first = await dispatchNewDeliveries(deps, org.orgId);
    const second = await dispatchNewDeliveries(deps, org.orgId);

    expect([first, second]).toEqual([1, 0]);
    expect(sent).toEqual([{ deliveryId: (await oneDelivery(org.orgId)).id }]);
  });

  it('sweeps deliveries never dispatched, and those dispatched but not attempted for too long', async () => {
    const org = await createTestOrg('dispatch-sweep');
    await seedWebhook(org);
    await seedModel(org, 'never-dispatched');
    const { queue, sent } = recordingQueue();
    const deps = { db: testDb(), webhookQueue: queue };

    await sweepLeftBehindDeliveries(deps, new Date());
    const id = (await oneDelivery(org.orgId)).id;
    expect(sent.map((m) => m.deliveryId)).toContain(id);
    // Handed over just now: not swept again until it is stale.
    const before = sent.length;
    await sweepLeftBehindDeliveries(deps, new Date());
    expect(sent.slice(before).map((m) => m.deliveryId)).not.toContain(id);
    await sweepLeftBehindDeliveries(deps, new Date(Date.now() + 11 * 60_000));
    expect(sent.slice(before).map((m) => m.deliveryId)).toContain(id);
  });
});
