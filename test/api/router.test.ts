// The REST router as a whole: which routes are live, what the others answer, and the OpenAPI
// document printed from the same route table.
import { describe, expect, it } from 'vitest';
import { liveRoutes } from '../../src/routes/api/router.ts';
import { API_ROUTES } from '../../src/routes/api/routes.ts';
import { globalId } from '../helpers/fixtures.ts';
import { createTestOrg } from '../helpers/graphql.ts';
import { type ApiErrorBody, api } from './api-client.ts';

/** Every route of the original design, as the issue lists it. */
const ORIGINAL_ROUTES = [
  'POST /api/models',
  'GET /api/models/:id',
  'GET /api/models/:id/versions',
  'POST /api/models/:id/versions',
  'POST /api/models/:id/promote/:version',
  'GET /api/models',
  'POST /api/lineage/datasets',
  'POST /api/lineage/deployments',
  'GET /api/lineage/:modelId',
  'GET /api/lineage/:modelId/impact',
  'GET /api/lineage/:modelId/graph',
  'POST /api/performance/metrics',
  'GET /api/performance/:modelId/metrics',
  'GET /api/performance/:modelId/stats',
  'POST /api/performance/compare',
  'POST /api/governance/approvals',
  'POST /api/governance/approvals/:id/review',
  'GET /api/governance/approvals/pending',
  'GET /api/governance/:modelId/history',
  'POST /api/governance/:modelId/check',
  'POST /api/vibe/track',
  'GET /api/vibe/:modelId/costs',
  'POST /api/vibe/compare',
  'GET /api/vibe/:modelId/trends',
  'GET /api/vibe/:modelId/roi',
];

/** The lifecycle routes added beside the original design (issue 16): edit, archive, untag. */
const LIFECYCLE_ROUTES = [
  'PATCH /api/models/:id',
  'POST /api/models/:id/archive',
  'POST /api/models/:id/restore',
  'DELETE /api/models/:id/aliases/:alias',
  'PATCH /api/models/:id/versions/:version',
  'POST /api/models/:id/versions/:version/archive',
  'POST /api/models/:id/versions/:version/restore',
  'PATCH /api/datasets/:id',
  'PATCH /api/deployments/:id',
  'PATCH /api/experiments/:id',
  'DELETE /api/models/:id',
  'DELETE /api/models/:id/versions/:version',
  'DELETE /api/datasets/:id',
];

/** The provider model map, unmatched usage and scores of OTLP ingest (issue 18, docs/otlp.md). */
const PROVIDER_MODEL_ROUTES = [
  'POST /api/vibe/provider-models',
  'DELETE /api/vibe/provider-models/:id',
  'GET /api/vibe/provider-models',
  'GET /api/vibe/unmatched',
  'POST /api/vibe/score',
];

const WEBHOOK_ROUTES = [
  'POST /api/webhooks/deliveries/:id/redeliver',
  'GET /api/webhooks',
  'POST /api/webhooks',
  'PATCH /api/webhooks/:id',
  'DELETE /api/webhooks/:id',
  'POST /api/webhooks/:id/rotate-secret',
  'POST /api/webhooks/:id/test',
  'GET /api/webhooks/:id/deliveries',
];

/** Tracking many requests in one call, the REST twin of inferenceTrack(requests) (issue 20). */
const BATCH_ROUTES = ['POST /api/vibe/track/batch'];
/** Budgets (issue 19, docs/budgets.md). */
const BUDGET_ROUTES = ['POST /api/budgets', 'DELETE /api/budgets/:id', 'GET /api/budgets'];

const ALL_ROUTES = [
  ...ORIGINAL_ROUTES,
  ...LIFECYCLE_ROUTES,
  ...PROVIDER_MODEL_ROUTES,
  ...BATCH_ROUTES,
  ...WEBHOOK_ROUTES,
  ...BUDGET_ROUTES,
];

/** Every route is live, in the router's match order. */
const LIVE_ROUTES = [
  'GET /api/models',
  'POST /api/models',
  'GET /api/models/:id/versions',
  'POST /api/models/:id/versions',
  'POST /api/models/:id/promote/:version',
  'GET /api/models/:id',
  ...LIFECYCLE_ROUTES,
  'POST /api/lineage/datasets',
  'POST /api/lineage/deployments',
  'GET /api/lineage/:modelId/impact',
  'GET /api/lineage/:modelId/graph',
  'GET /api/lineage/:modelId',
  'POST /api/governance/approvals',
  'GET /api/governance/approvals/pending',
  'POST /api/governance/approvals/:id/review',
  'GET /api/governance/:modelId/history',
  'POST /api/governance/:modelId/check',
  'POST /api/performance/metrics',
  'POST /api/performance/compare',
  'GET /api/performance/:modelId/metrics',
  'GET /api/performance/:modelId/stats',
  'POST /api/vibe/provider-models',
  'DELETE /api/vibe/provider-models/:id',
  'GET /api/vibe/provider-models',
  'GET /api/vibe/unmatched',
  'POST /api/vibe/track',
  'POST /api/vibe/track/batch',
  'POST /api/vibe/score',
  'POST /api/vibe/compare',
  'GET /api/vibe/:modelId/costs',
  'GET /api/vibe/:modelId/trends',
  'GET /api/vibe/:modelId/roi',
  ...WEBHOOK_ROUTES,
  ...BUDGET_ROUTES,
];

const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/** A concrete URL for a route path, with ids of the right kind. */
function concrete(path: string): string {
  return path
    .replace(':modelId', globalId('Model', crypto.randomUUID()))
    .replace(':id', globalId('Approval', crypto.randomUUID()))
    .replace(':version', '1.0.0');
}

describe('the route table', () => {
  it('holds exactly the routes of the original design and the lifecycle routes', () => {
    expect(API_ROUTES.map(key).sort()).toEqual([...ALL_ROUTES].sort());
  });

  it('lists which routes are live', () => {
    expect(liveRoutes().map(key)).toEqual(LIVE_ROUTES);
  });

  it('has every route live: none answers 501', () => {
    expect([...LIVE_ROUTES].sort()).toEqual([...ALL_ROUTES].sort());
  });

  it('requires a token on every route, before reading the body', async () => {
    for (const route of API_ROUTES) {
      const response = await api<ApiErrorBody>(
        null,
        route.method,
        concrete(route.path),
        route.method === 'GET' ? undefined : {},
      );
      expect(response.status, key(route)).toBe(401);
      expect(response.body.error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers an unknown path with 404 and a wrong method with 405 and Allow', async () => {
    const org = await createTestOrg();
    const unknown = await api<ApiErrorBody>(org.tokens.VIEWER, 'GET', '/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    const wrong = await api<ApiErrorBody>(org.tokens.VIEWER, 'DELETE', '/api/models');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
    expect(wrong.body.error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('takes a path parameter URL-encoded or not, and answers a malformed escape with 404', async () => {
    const org = await createTestOrg();
    // A dataset's global ID ends in "=" padding, which encodeURIComponent writes as %3D.
    const created = await api(org.tokens.EDITOR, 'POST', '/api/lineage/datasets', {
      name: 'encoded',
      uri: 'r2://datasets/encoded',
    });
    const id = created.body.id as string;
    expect(encodeURIComponent(id)).not.toBe(id);
    const plain = await api(org.tokens.VIEWER, 'GET', `/api/lineage/${id}/graph`);
    const encoded = await api(
      org.tokens.VIEWER,
      'GET',
      `/api/lineage/${encodeURIComponent(id)}/graph`,
    );
    const malformed = await api<ApiErrorBody>(org.tokens.VIEWER, 'GET', '/api/models/%E0%A4%A');
    expect(plain.status).toBe(200);
    expect(encoded.status).toBe(200);
    expect(encoded.body).toEqual(plain.body);
    expect(malformed.status).toBe(404);
    expect(malformed.body.error.path).toEqual(['params', 'id']);
  });

  it('reports the D1 statements a request ran, and lists a page of models in a constant number', async () => {
    const org = await createTestOrg();
    // The first use of a token also records when it was used: warm up before counting.
    await api(org.tokens.VIEWER, 'GET', '/api/models');
    const small = await api(org.tokens.VIEWER, 'GET', '/api/models');
    for (let index = 0; index < 5; index += 1) {
      await api(org.tokens.EDITOR, 'POST', '/api/models', { name: `m${index}` });
    }
    const large = await api(org.tokens.VIEWER, 'GET', '/api/models');
    expect(large.body.models).toHaveLength(5);
    expect(small.statements).toBeGreaterThan(0);
    expect(large.statements).toBe(small.statements);
  });
});

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document listing exactly the router’s routes', async () => {
    const response = await api(null, 'GET', '/api/openapi.json');
    expect(response.status).toBe(200);
    const document = response.body;
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    const operations: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      expect(path.startsWith('/api/')).toBe(true);
      for (const [method, operation] of Object.entries<any>(item)) {
        const routePath = path.replace(/\{(\w+)\}/g, ':$1');
        operations.push(`${method.toUpperCase()} ${routePath}`);
        // Every templated segment has a required path parameter, and nothing else is in: path.
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
        const pathParameters = operation.parameters.filter((p: any) => p.in === 'path');
        expect(pathParameters.map((p: any) => p.name).sort()).toEqual(templated.sort());
        for (const parameter of pathParameters) expect(parameter.required).toBe(true);
        expect(operation.operationId).toEqual(expect.any(String));
        expect(Object.keys(operation.responses)).toEqual(
          expect.arrayContaining(['400', '401', '403', '404']),
        );
        expect(operation['x-live']).toBe(
          LIVE_ROUTES.includes(`${method.toUpperCase()} ${routePath}`),
        );
      }
    }
    expect(operations.sort()).toEqual(API_ROUTES.map(key).sort());
    const operationIds = Object.values<Record<string, any>>(document.paths).flatMap((item) =>
      Object.values<any>(item).map((operation) => operation.operationId),
    );
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it('prints request schemas from the validation schemas, with snake_case fields and global IDs', async () => {
    const { body: document } = await api(null, 'GET', '/api/openapi.json');
    const create = document.paths['/api/models'].post;
    const schema = create.requestBody.content['application/json'].schema;
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['name']);
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['name', 'tags', 'metadata', 'provider', 'framework', 'model_type']),
    );
    expect(schema.additionalProperties).toBe(false);
    const versions =
      document.paths['/api/models/{id}/versions'].post.requestBody.content['application/json']
        .schema;
    expect(Object.keys(versions.properties)).toEqual(
      expect.arrayContaining(['version', 'derived_from', 'trained_on', 'evaluated_on']),
    );
    const idParameter = document.paths['/api/models/{id}'].get.parameters[0];
    expect(idParameter).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(idParameter.description).toContain('Global ID');
    const list = document.paths['/api/models'].get.parameters.map((p: any) => p.name);
    expect(list).toEqual(expect.arrayContaining(['tags', 'status', 'provider', 'limit', 'cursor']));
  });

  it('documents the Idempotency-Key header on every POST, PATCH and DELETE route, and on no GET route', async () => {
    const { body: document } = await api(null, 'GET', '/api/openapi.json');
    for (const methods of Object.values(document.paths) as Record<string, any>[]) {
      for (const [method, operation] of Object.entries(methods)) {
        const header = operation.parameters.find((p: any) => p.name === 'Idempotency-Key');
        if (method !== 'get') {
          expect(header).toMatchObject({ in: 'header', required: false });
          expect(header.schema.maxLength).toBe(200);
        } else {
          expect(header).toBeUndefined();
        }
      }
    }
  });
});
