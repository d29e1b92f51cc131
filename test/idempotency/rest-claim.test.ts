// REST `Idempotency-Key`s are written by each route's service in its own D1 batch (the claim the
// router hands to the handler), like the GraphQL mutations' keys: the crash window between the
// handler's commit and storing its answer is gone, on every POST route.
import { createExecutionContext, env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src/context.ts';
import { RecordingEventSink } from '../../src/ports/event-sink.ts';
import { trackInferences } from '../../src/registry/usage/usage.service.ts';
import { createWebhook, testWebhook } from '../../src/registry/webhook/webhook.service.ts';
import { modelCreate, modelPromote } from '../../src/routes/api/models.ts';
import type { RouteDef } from '../../src/routes/api/route.ts';
import { restClaim } from '../../src/routes/api/router.ts';
import { API_ROUTES } from '../../src/routes/api/routes.ts';
import { inferenceTrack } from '../../src/routes/api/vibe.ts';
import { globalId, seedModel, seedVersion, serviceDeps, viewerOf } from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';
import { growth, keyRows, type TableCounts, tableCounts } from './helpers.ts';

const BASE = 'http://registry.test';

/** POSTs JSON with an Idempotency-Key, as a client retrying a request would. */
async function post(token: string, path: string, body: unknown, key: string) {
  const response = await SELF.fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'Idempotency-Key': key,
    },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    // biome-ignore lint/suspicious/noExplicitAny: shapes are asserted by each test
    body: (await response.json()) as any,
    replayed: response.headers.get('Idempotent-Replayed'),
  };
}

let org: TestOrg;
let serial = 0;

/** Promotion without an approved request, so that the promote route can run. */
async function allowPromotion(target: TestOrg) {
  const response = await gql(
    target.tokens.ADMIN,
    'mutation { promotionPolicySet(input: { requireApproval: false, requiredChecks: [] }) { __typename } }',
  );
  expect(response.data?.promotionPolicySet.__typename).toBe('PromotionPolicySetPayload');
}

async function freshVersion() {
  serial += 1;
  const model = await seedModel(org, `rest-claim-${serial}`);
  const version = await seedVersion(org, model.id, '1.0.0');
  return {
    model,
    version,
    modelId: globalId('Model', model.id),
    versionId: globalId('ModelVersion', version.id),
  };
}

async function requestApproval(versionId: string) {
  const response = await post(
    org.tokens.EDITOR,
    '/api/governance/approvals',
    { version_id: versionId, checks: ['security'] },
    `setup-${versionId}`,
  );
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id as string;
}

beforeAll(async () => {
  org = await createTestOrg('rest-claim');
  await allowPromotion(org);
});

/**
 * Runs a route's handler exactly as the router does for a request with an Idempotency-Key, up to
 * the end of the handler, and stops there: what a Worker that dies right after the service's
 * batch committed has done. Returns what the handler would have answered.
 */
async function runUntilCrash(
  route: RouteDef,
  path: string,
  rawParams: Record<string, string>,
  body: unknown,
  key: string,
) {
  const url = new URL(`${BASE}${path}`);
  const text = JSON.stringify(body);
  const request = new Request(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${org.tokens.EDITOR}`,
      'content-type': 'application/json',
      'Idempotency-Key': key,
    },
    body: text,
  });
  const context = await createContext(request, {
    env,
    ctx: createExecutionContext(),
    statements: { statements: 0, roundTrips: 0 },
  });
  const claim = await restClaim(context, route, url, text, key);
  const answer = await route.handler({
    params: route.params?.parse(rawParams) ?? {},
    query: {},
    body: route.body?.parse(body),
    context,
    request,
    claim,
  });
  // The stored answer is byte for byte the one the router would have sent.
  expect(JSON.parse(claim.answer?.body ?? 'null')).toEqual(answer);
  return answer;
}

describe('the crash window between the commit and the answer is closed', () => {
  it.each([
    {
      label: 'POST /api/models',
      setup: async () => ({
        route: modelCreate,
        path: '/api/models',
        params: {},
        body: { name: `crash-model-${++serial}`, tags: ['a'] },
        writes: { model: 1, audit_event: 1, idempotency_key: 1 },
        status: 201,
      }),
    },
    {
      label: 'POST /api/models/:id/promote/:version (a guarded batch)',
      setup: async () => {
        const { modelId } = await freshVersion();
        return {
          route: modelPromote,
          path: `/api/models/${modelId}/promote/1.0.0`,
          params: { id: modelId, version: '1.0.0' },
          body: { reason: 'crash test' },
          writes: { model_alias: 1, audit_event: 1, idempotency_key: 1 },
          status: 200,
        };
      },
    },
    {
      label: 'POST /api/vibe/track (the usage batch)',
      setup: async () => {
        const { modelId } = await freshVersion();
        return {
          route: inferenceTrack,
          path: '/api/vibe/track',
          params: {},
          body: {
            model_id: modelId,
            provider: 'openai',
            provider_model: 'gpt-4o',
            latency_ms: 120,
            tokens_input: 10,
            tokens_output: 5,
          },
          writes: { inference_request: 1, idempotency_key: 1 },
          status: 201,
        };
      },
    },
  ])(
    '$label: the retry after a crash replays the first answer and writes nothing',
    async ({ setup }) => {
      const { route, path, params, body, writes, status } = await setup();
      const key = `crash-${++serial}`;
      const before = await tableCounts(org.orgId);
      const answer = await runUntilCrash(route, path, params, body, key);
      // The Worker dies here: the client never gets the answer, and nothing after the handler runs.
      // The key was committed with the change, in its batch, with the answer to replay.
      const afterCrash = await tableCounts(org.orgId);
      expect(growth(before, afterCrash)).toEqual(writes);
      expect((await keyRows(org.orgId)).find((row) => row.key === key)?.state).toBe('COMPLETE');

      // The client retries (even right away: no lease to wait for).
      const retry = await post(org.tokens.EDITOR, path, body, key);
      expect(retry.status).toBe(status);
      expect(retry.replayed).toBe('true');
      expect(retry.body).toEqual(answer);
      expect(await tableCounts(org.orgId)).toEqual(afterCrash);
    },
  );

  it('a change whose batch failed stores no key: the retry runs it', async () => {
    const { modelId } = await freshVersion();
    const key = `crash-refused-${++serial}`;
    const before = await tableCounts(org.orgId);
    // An unknown version: refused before any write.
    const refused = await post(
      org.tokens.EDITOR,
      `/api/models/${modelId}/promote/9.9.9`,
      { reason: 'x' },
      key,
    );
    expect(refused.status).toBe(404);
    expect(await tableCounts(org.orgId)).toEqual(before);
    const versions = await post(
      org.tokens.EDITOR,
      `/api/models/${modelId}/versions`,
      { version: '9.9.9' },
      `${key}-v`,
    );
    expect(versions.status).toBe(201);
    const promoted = await post(
      org.tokens.EDITOR,
      `/api/models/${modelId}/promote/9.9.9`,
      { reason: 'x' },
      key,
    );
    expect(promoted.status).toBe(200);
    expect(promoted.replayed).toBeNull();
  });

  it('a guarded batch that lost its guard stores no key (the alias moved meanwhile)', async () => {
    const { modelId, version } = await freshVersion();
    const key = `guarded-${++serial}`;
    // Promote once without a key, then again with one: the second is refused (already there).
    const first = await post(
      org.tokens.EDITOR,
      `/api/models/${modelId}/promote/1.0.0`,
      {},
      `${key}-first`,
    );
    expect(first.status).toBe(200);
    const before = await tableCounts(org.orgId);
    const again = await post(org.tokens.EDITOR, `/api/models/${modelId}/promote/1.0.0`, {}, key);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    expect(await tableCounts(org.orgId)).toEqual(before);
    expect((await keyRows(org.orgId)).some((row) => row.key === key)).toBe(false);
    expect(version.version).toBe('1.0.0');
  });

  it('a PENDING reservation left by the previous router is no answer: the key is taken over', async () => {
    const key = `legacy-pending-${++serial}`;
    const now = new Date();
    await env.DB.prepare(
      `INSERT INTO idempotency_key (id, org_id, scope, key, request_hash, state, response, response_status, response_type, created_at, expires_at)
       VALUES (?, ?, 'POST /api/models', ?, ?, 'PENDING', NULL, NULL, NULL, ?, ?)`,
    )
      .bind(
        crypto.randomUUID(),
        org.orgId,
        key,
        '0'.repeat(64),
        now.toISOString(),
        new Date(now.getTime() + 86_400_000).toISOString(),
      )
      .run();
    const body = { name: `legacy-${serial}` };
    const first = await post(org.tokens.EDITOR, '/api/models', body, key);
    expect(first.status).toBe(201);
    const again = await post(org.tokens.EDITOR, '/api/models', body, key);
    expect(again.replayed).toBe('true');
    expect(again.body).toEqual(first.body);
    const rows = (await keyRows(org.orgId)).filter((row) => row.key === key);
    expect(rows.map((row) => row.state)).toEqual(['COMPLETE']);
  });
});

/** One case per POST route: a valid request, another request, and what one call writes. */
interface RouteCase {
  route: string;
  token?: 'REVIEWER' | 'VIEWER' | 'ADMIN';
  setup: () => Promise<{ path: string; body: unknown; other: unknown }>;
  status: number;
  writes: Partial<TableCounts>;
}

const ROUTE_CASES: RouteCase[] = [
  {
    route: 'POST /api/models',
    setup: async () => {
      serial += 1;
      return {
        path: '/api/models',
        body: { name: `route-model-${serial}`, metadata: { b: 1, a: 2 } },
        other: { name: `route-model-${serial}-other` },
      };
    },
    status: 201,
    writes: { model: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/models/:id/versions',
    setup: async () => {
      const { modelId } = await freshVersion();
      return {
        path: `/api/models/${modelId}/versions`,
        body: { version: '2.0.0' },
        other: { version: '2.0.1' },
      };
    },
    status: 201,
    writes: { model_version: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/models/:id/promote/:version',
    setup: async () => {
      const { modelId } = await freshVersion();
      return {
        path: `/api/models/${modelId}/promote/1.0.0`,
        body: { reason: 'ship' },
        other: { reason: 'ship it' },
      };
    },
    status: 200,
    writes: { model_alias: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/models/:id/archive',
    setup: async () => {
      const { modelId } = await freshVersion();
      return {
        path: `/api/models/${modelId}/archive`,
        body: { reason: 'retired' },
        other: { reason: 'retired it' },
      };
    },
    status: 200,
    writes: { audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/models/:id/restore',
    setup: async () => {
      const { modelId } = await freshVersion();
      const archived = await post(
        org.tokens.EDITOR,
        `/api/models/${modelId}/archive`,
        {},
        `setup-archive-${modelId}`,
      );
      expect(archived.status, JSON.stringify(archived.body)).toBe(200);
      return {
        path: `/api/models/${modelId}/restore`,
        body: { reason: 'back' },
        other: { reason: 'back again' },
      };
    },
    status: 200,
    writes: { audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/models/:id/versions/:version/archive',
    setup: async () => {
      const { modelId } = await freshVersion();
      return {
        path: `/api/models/${modelId}/versions/1.0.0/archive`,
        body: { reason: 'bad data' },
        other: { reason: 'bad data, really' },
      };
    },
    status: 200,
    writes: { audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/models/:id/versions/:version/restore',
    setup: async () => {
      const { modelId } = await freshVersion();
      const archived = await post(
        org.tokens.EDITOR,
        `/api/models/${modelId}/versions/1.0.0/archive`,
        {},
        `setup-archive-${modelId}`,
      );
      expect(archived.status, JSON.stringify(archived.body)).toBe(200);
      return {
        path: `/api/models/${modelId}/versions/1.0.0/restore`,
        body: { reason: 'fixed' },
        other: { reason: 'fixed, really' },
      };
    },
    status: 200,
    writes: { audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/lineage/datasets',
    setup: async () => {
      serial += 1;
      return {
        path: '/api/lineage/datasets',
        body: { name: `route-data-${serial}`, uri: 'r2://a' },
        other: { name: `route-data-${serial}`, uri: 'r2://b' },
      };
    },
    status: 201,
    writes: { dataset: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/lineage/deployments',
    setup: async () => {
      serial += 1;
      return {
        path: '/api/lineage/deployments',
        body: { name: `route-dep-${serial}`, environment: 'staging' },
        other: { name: `route-dep-${serial}`, environment: 'production' },
      };
    },
    status: 201,
    writes: { deployment: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/governance/approvals',
    setup: async () => {
      const { versionId } = await freshVersion();
      return {
        path: '/api/governance/approvals',
        body: { version_id: versionId, checks: ['gdpr'], notes: 'please' },
        other: { version_id: versionId, checks: ['gdpr'], notes: 'other' },
      };
    },
    status: 201,
    writes: { approval: 1, compliance_check: 1, audit_event: 2, idempotency_key: 1 },
  },
  {
    route: 'POST /api/governance/approvals/:id/review',
    token: 'REVIEWER',
    setup: async () => {
      const { versionId } = await freshVersion();
      const approvalId = await requestApproval(versionId);
      return {
        path: `/api/governance/approvals/${approvalId}/review`,
        body: { decision: 'approve', notes: 'fine' },
        other: { decision: 'reject', notes: 'not fine' },
      };
    },
    status: 200,
    writes: { edge: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/governance/:modelId/check',
    setup: async () => {
      const { modelId, versionId } = await freshVersion();
      return {
        path: `/api/governance/${modelId}/check`,
        body: { version_id: versionId, checks: ['security'] },
        other: { version_id: versionId, checks: ['security', 'gdpr'] },
      };
    },
    status: 200,
    writes: { compliance_check: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/performance/metrics',
    setup: async () => {
      const { versionId } = await freshVersion();
      return {
        path: '/api/performance/metrics',
        body: { version_id: versionId, metric_type: 'accuracy', value: 0.9 },
        other: { version_id: versionId, metric_type: 'accuracy', value: 0.8 },
      };
    },
    status: 201,
    writes: { metric_point: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/performance/compare',
    token: 'VIEWER',
    setup: async () => {
      const { modelId } = await freshVersion();
      return {
        path: '/api/performance/compare',
        body: { model_ids: [modelId], metric_type: 'accuracy' },
        other: { model_ids: [modelId], metric_type: 'latency' },
      };
    },
    status: 200,
    writes: { idempotency_key: 1 },
  },
  {
    route: 'POST /api/vibe/track',
    setup: async () => {
      const { modelId } = await freshVersion();
      const body = {
        model_id: modelId,
        provider: 'anthropic',
        provider_model: 'claude',
        latency_ms: 300,
        tokens_input: 100,
        tokens_output: 20,
      };
      return { path: '/api/vibe/track', body, other: { ...body, latency_ms: 301 } };
    },
    status: 201,
    writes: { inference_request: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/vibe/track/batch',
    setup: async () => {
      const { modelId } = await freshVersion();
      const one = {
        model_id: modelId,
        provider: 'anthropic',
        provider_model: 'claude',
        latency_ms: 300,
        tokens_input: 100,
        tokens_output: 20,
      };
      const body = { requests: [one, { ...one, latency_ms: 310 }] };
      return {
        path: '/api/vibe/track/batch',
        body,
        other: { requests: [one, { ...one, latency_ms: 311 }] },
      };
    },
    status: 201,
    writes: { inference_request: 2, idempotency_key: 1 },
  },
  {
    route: 'POST /api/vibe/score',
    setup: async () => {
      const { model } = await freshVersion();
      const [tracked] = await trackInferences(
        serviceDeps(),
        viewerOf(org),
        new RecordingEventSink(),
        [
          {
            modelId: model.id,
            provider: 'openai',
            providerModel: 'gpt-4o',
            latencyMs: 10,
            inputTokens: 1,
            outputTokens: 1,
            status: 'SUCCESS',
          },
        ],
      );
      const body = { request_id: tracked?.request.id, name: 'quality', value: 1, source: 'USER' };
      return { path: '/api/vibe/score', body, other: { ...body, value: 2 } };
    },
    status: 200,
    writes: { inference_score: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/vibe/provider-models',
    token: 'ADMIN',
    setup: async () => {
      const { modelId } = await freshVersion();
      const body = {
        provider: 'openai',
        provider_model: `gpt-claim-${serial}*`,
        model_id: modelId,
      };
      const { modelId: otherModel } = await freshVersion();
      return { path: '/api/vibe/provider-models', body, other: { ...body, model_id: otherModel } };
    },
    status: 200,
    writes: { provider_model_map: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/budgets',
    token: 'ADMIN',
    setup: async () => {
      const { modelId } = await freshVersion();
      const body = { scope: 'MODEL', scope_id: modelId, period: 'DAY', limit_usd: 10 };
      return { path: '/api/budgets', body, other: { ...body, limit_usd: 20 } };
    },
    status: 200,
    writes: { budget: 1, audit_event: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/vibe/compare',
    token: 'VIEWER',
    setup: async () => {
      const a = await freshVersion();
      const b = await freshVersion();
      return {
        path: '/api/vibe/compare',
        body: { model_ids: [a.modelId, b.modelId] },
        other: { model_ids: [a.modelId, b.modelId], alpha: 0.01 },
      };
    },
    status: 200,
    writes: { idempotency_key: 1 },
  },
  {
    route: 'POST /api/webhooks/:id/test',
    token: 'ADMIN',
    setup: async () => {
      const { webhook } = await claimWebhook();
      const path = `/api/webhooks/${encodeURIComponent(globalId('Webhook', webhook.id))}/test`;
      return { path, body: {}, other: { again: true } };
    },
    status: 200,
    writes: { audit_event: 1, webhook_delivery: 1, idempotency_key: 1 },
  },
  {
    route: 'POST /api/webhooks/deliveries/:id/redeliver',
    token: 'ADMIN',
    setup: async () => {
      const { webhook } = await claimWebhook();
      const delivery = await testWebhook(webhookDeps, viewerOf(org, 'ADMIN'), webhook.id);
      const id = encodeURIComponent(globalId('WebhookDelivery', delivery.id));
      return { path: `/api/webhooks/deliveries/${id}/redeliver`, body: {}, other: { again: true } };
    },
    status: 200,
    writes: { audit_event: 1, idempotency_key: 1 },
  },
];

/** POST routes that refuse an Idempotency-Key: their answer holds a secret (docs/webhooks.md). */
const KEY_REFUSED = ['POST /api/webhooks', 'POST /api/webhooks/:id/rotate-secret'];

const webhookDeps = {
  ...serviceDeps(),
  config: { webhooks: { secretKey: null, production: false } },
};

/** A webhook of its own, subscribed to an event no other case causes. */
function claimWebhook() {
  serial += 1;
  return createWebhook(webhookDeps, viewerOf(org, 'ADMIN'), {
    url: `http://127.0.0.1:9/claim-${serial}`,
    events: ['METRIC_DEGRADATION_CLEARED'],
  });
}

describe('every POST route stores its key with its change', () => {
  it('has a case for every POST route of the table', () => {
    const posts = API_ROUTES.filter((route) => route.method === 'POST').map(
      (route) => `POST ${route.path}`,
    );
    expect(ROUTE_CASES.map((c) => c.route).sort()).toEqual(
      posts.filter((route) => !KEY_REFUSED.includes(route)).sort(),
    );
  });

  it.each(KEY_REFUSED)(
    '%s refuses a key with 400 on the header, writing nothing',
    async (route) => {
      const { webhook } = await claimWebhook();
      const path =
        route === 'POST /api/webhooks'
          ? '/api/webhooks'
          : `/api/webhooks/${encodeURIComponent(globalId('Webhook', webhook.id))}/rotate-secret`;
      const body =
        route === 'POST /api/webhooks'
          ? { url: `http://127.0.0.1:9/refused-${serial}`, events: ['MODEL_CREATED'] }
          : {};
      const before = await tableCounts(org.orgId);
      const answer = await post(org.tokens.ADMIN, path, body, `refused-${++serial}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error.path).toEqual(['headers', 'Idempotency-Key']);
      expect(await tableCounts(org.orgId)).toEqual(before);
    },
  );

  describe.each(ROUTE_CASES)('$route', (c) => {
    const token = () => org.tokens[c.token ?? 'EDITOR'];

    it('replays the first answer (status and body), and writes once', async () => {
      const { path, body } = await c.setup();
      const key = `route-${++serial}`;
      const before = await tableCounts(org.orgId);
      const first = await post(token(), path, body, key);
      expect(first.status, JSON.stringify(first.body)).toBe(c.status);
      expect(first.replayed).toBeNull();
      const afterFirst = await tableCounts(org.orgId);
      expect(growth(before, afterFirst)).toEqual(c.writes);
      const again = await post(token(), path, body, key);
      expect(again.status).toBe(c.status);
      expect(again.replayed).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(await tableCounts(org.orgId)).toEqual(afterFirst);
    });

    it('answers 409 CONFLICT on the header for another request with the key, writing nothing', async () => {
      const { path, body, other } = await c.setup();
      const key = `route-${++serial}`;
      expect((await post(token(), path, body, key)).status).toBe(c.status);
      const before = await tableCounts(org.orgId);
      const conflict = await post(token(), path, other, key);
      expect(conflict.status).toBe(409);
      expect(conflict.body.error).toMatchObject({
        code: 'CONFLICT',
        path: ['headers', 'Idempotency-Key'],
      });
      expect(await tableCounts(org.orgId)).toEqual(before);
    });

    it('writes once when duplicates race, and answers each with the first answer', async () => {
      const { path, body } = await c.setup();
      const key = `route-race-${++serial}`;
      const before = await tableCounts(org.orgId);
      const answers = await Promise.all([1, 2, 3].map(() => post(token(), path, body, key)));
      expect(growth(before, await tableCounts(org.orgId))).toEqual(c.writes);
      const winner = answers.find((answer) => answer.replayed === null);
      expect(winner?.status, JSON.stringify(answers)).toBe(c.status);
      for (const answer of answers) {
        // A duplicate whose batch the key refused replays the winner; one that could not read it
        // yet is told to retry (409 with Retry-After). None writes.
        if (answer.status === 409)
          expect(answer.body.error.path).toEqual(['headers', 'Idempotency-Key']);
        else expect(answer.body).toEqual(winner?.body);
      }
    });
  });
});
