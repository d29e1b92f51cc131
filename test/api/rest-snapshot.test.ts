// Every REST route's answer, byte for byte, for a fixed story of good and bad requests: status,
// the headers clients read, the D1 statements it ran and the body text. Ids and times differ per
// run, so they are replaced by placeholders numbered in order of first appearance; everything else
// is compared exactly. A refactoring that changes an answer (a field's order, a message, a path, one
// statement more) fails here; a deliberate change updates the snapshot with `vitest -u`.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { allowPromotionWithoutApproval } from '../governance/governance-fixtures.ts';
import { createTestOrg, type TestOrg } from '../helpers/graphql.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;
const BASE64_STRING = /"([A-Za-z0-9+/]{16,}={0,2})"/g;
const TOKEN = /mr_[A-Za-z0-9_-]+/g;
const HEADERS = [
  'content-type',
  'allow',
  'retry-after',
  'www-authenticate',
  'idempotent-replayed',
  'x-d1-statements',
];

/** Stable placeholders for the values that change per run; the rest of the text as sent. */
class Normalizer {
  private readonly ids = new Map<string, number>();

  text(raw: string, org: TestOrg): string {
    return raw
      .replaceAll(org.orgId, '<org>')
      .replace(/org-\d+-[0-9a-f]{8}/g, '<org-name>')
      .replace(BASE64_STRING, (whole, encoded: string) => {
        const decoded = decodeGlobalId(encoded);
        if (decoded) return `"<${decoded.type}:${this.idOf(decoded.id)}>"`;
        // A cursor: base64 of text that holds ids and times of its own.
        const text = printableBase64(encoded);
        return text === null ? whole : `"<base64:${this.text(text, org)}>"`;
      })
      .replace(UUID, (id) => `<id:${this.idOf(id)}>`)
      .replace(ISO_TIME, '<time>')
      .replace(TOKEN, '<token>');
  }

  /** A request path: global IDs appear there as segments, bare or URL-encoded. */
  path(path: string): string {
    const [pathname = '', query] = path.split('?');
    const segments = pathname.split('/').map((segment) => {
      const decoded = decodeGlobalId(decodeURIComponent(segment));
      return decoded ? `<${decoded.type}:${this.idOf(decoded.id)}>` : segment;
    });
    return (
      segments.join('/') + (query === undefined ? '' : `?${query.replace(ISO_TIME, '<time>')}`)
    );
  }

  private idOf(id: string): number {
    let number = this.ids.get(id);
    if (number === undefined) {
      number = this.ids.size + 1;
      this.ids.set(id, number);
    }
    return number;
  }
}

function printableBase64(encoded: string): string | null {
  try {
    const text = atob(encoded);
    return /^[ -~]+$/.test(text) ? text : null;
  } catch {
    return null;
  }
}

function decodeGlobalId(encoded: string): { type: string; id: string } | null {
  let decoded: string;
  try {
    decoded = atob(encoded);
  } catch {
    return null;
  }
  const match = /^([A-Z][A-Za-z]+):(.+)$/.exec(decoded);
  return match ? { type: match[1] as string, id: match[2] as string } : null;
}

interface Call {
  token: string | null;
  method: string;
  path: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** Runs a call and keeps its answer as text; returns the parsed body for the story's next step. */
async function record(log: string[], normalizer: Normalizer, org: TestOrg, call: Call) {
  const hasBody = call.body !== undefined || call.rawBody !== undefined;
  const response = await SELF.fetch(`http://registry.test${call.path}`, {
    method: call.method,
    headers: {
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...(call.token ? { authorization: `Bearer ${call.token}` } : {}),
      ...call.headers,
    },
    body: call.rawBody ?? (call.body === undefined ? undefined : JSON.stringify(call.body)),
  });
  const text = await response.text();
  const headers = HEADERS.flatMap((name) => {
    const value = response.headers.get(name);
    return value === null ? [] : [`${name}: ${value}`];
  });
  log.push(
    normalizer.text(
      [
        `${call.method} ${normalizer.path(call.path)}${call.body === undefined ? '' : ` ${JSON.stringify(call.body)}`}`,
        `${response.status}`,
        ...headers,
        text,
      ].join('\n'),
      org,
    ),
  );
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

describe('REST answers', () => {
  it('stay byte-identical for the whole story of every route', async () => {
    const org = await createTestOrg();
    await allowPromotionWithoutApproval(org);
    const log: string[] = [];
    const normalizer = new Normalizer();
    const call = (details: Call) => record(log, normalizer, org, details);
    const { EDITOR, VIEWER, REVIEWER } = org.tokens;

    // The door: no token, an unknown token, a role that may not write, unknown routes.
    await call({ token: null, method: 'GET', path: '/api/models' });
    await call({ token: 'mr_unknown', method: 'GET', path: '/api/models' });
    await call({ token: VIEWER, method: 'POST', path: '/api/models', body: { name: 'x' } });
    await call({ token: VIEWER, method: 'DELETE', path: '/api/models' });
    await call({ token: VIEWER, method: 'GET', path: '/api/nothing-here' });

    // Models.
    const model = await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/models',
      body: {
        name: 'support-triage',
        description: 'Routes tickets',
        metadata: { framework: 'pytorch', model_type: 'classifier', tags: ['nlp'] },
      },
    });
    const modelId = model.body.id as string;
    await call({ token: EDITOR, method: 'POST', path: '/api/models', body: { name: 'second' } });
    await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/models',
      body: { name: 'support-triage' },
    });
    await call({ token: EDITOR, method: 'POST', path: '/api/models', body: { description: 'x' } });
    await call({ token: EDITOR, method: 'POST', path: '/api/models', rawBody: '{not json' });
    await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/models',
      body: { name: 'tagged', metadata: { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) } },
    });
    await call({ token: VIEWER, method: 'GET', path: '/api/models' });
    await call({ token: VIEWER, method: 'GET', path: '/api/models?limit=1' });
    await call({ token: VIEWER, method: 'GET', path: '/api/models?limit=0' });
    await call({ token: VIEWER, method: 'GET', path: `/api/models/${modelId}` });
    await call({
      token: VIEWER,
      method: 'GET',
      path: `/api/models/${encodeURIComponent(modelId)}`,
    });
    await call({ token: VIEWER, method: 'GET', path: '/api/models/not-an-id' });

    // A dataset, versions with lineage, a deployment.
    const dataset = await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/lineage/datasets',
      body: { name: 'tickets-2026', uri: 'r2://datasets/tickets', format: 'jsonl' },
    });
    const datasetId = dataset.body.id as string;
    const parent = await call({
      token: EDITOR,
      method: 'POST',
      path: `/api/models/${modelId}/versions`,
      body: { version: '1.0.0', metadata: { accuracy: 0.9 } },
    });
    const version = await call({
      token: EDITOR,
      method: 'POST',
      path: `/api/models/${modelId}/versions`,
      body: {
        version: '2.0.0',
        description: 'retrained',
        metadata: { accuracy: 0.93 },
        derived_from: [parent.body.id],
        trained_on: [{ dataset_id: datasetId, properties: { split: 'train', rows: 1200 } }],
      },
    });
    const versionId = version.body.id as string;
    await call({
      token: EDITOR,
      method: 'POST',
      path: `/api/models/${modelId}/versions`,
      body: { version: 'not-semver' },
    });
    await call({
      token: EDITOR,
      method: 'POST',
      path: `/api/models/${modelId}/versions`,
      body: { version: '3.0.0', trained_on: [{ dataset_id: modelId }] },
    });
    await call({ token: VIEWER, method: 'GET', path: `/api/models/${modelId}/versions` });
    await call({ token: VIEWER, method: 'GET', path: `/api/models/${modelId}/versions?limit=1` });
    await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/lineage/deployments',
      body: {
        name: 'triage-prod',
        environment: 'Production',
        endpoint_url: 'https://triage.example.com',
        model_versions: [{ version_id: versionId, properties: { traffic_share: 1 } }],
      },
    });
    await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/lineage/deployments',
      body: {
        name: 'broken',
        environment: 'Production',
        model_versions: [{ version_id: datasetId }],
      },
    });

    // Lineage reads.
    await call({ token: VIEWER, method: 'GET', path: `/api/lineage/${modelId}` });
    await call({
      token: VIEWER,
      method: 'GET',
      path: `/api/lineage/${modelId}?direction=upstream`,
    });
    await call({
      token: VIEWER,
      method: 'GET',
      path: `/api/lineage/${modelId}?max_depth=1&edge_types=TRAINED_ON,DERIVED_FROM`,
    });
    await call({ token: VIEWER, method: 'GET', path: `/api/lineage/${modelId}/graph` });
    await call({
      token: VIEWER,
      method: 'GET',
      path: `/api/lineage/${modelId}/graph?edge_details=true`,
    });
    await call({ token: VIEWER, method: 'GET', path: `/api/lineage/${modelId}/impact` });
    await call({ token: VIEWER, method: 'GET', path: '/api/lineage/not-an-id/impact' });

    // Performance.
    await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/performance/metrics',
      body: { version_id: versionId, metric_type: 'accuracy', value: 0.93, context: { set: 'a' } },
    });
    await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/performance/metrics',
      body: { version_id: versionId, metric_type: 'latency', value: -5 },
    });
    await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/performance/metrics',
      body: { version_id: versionId, metric_type: 'accuracy', value: 0.91, extra: true },
    });
    await call({
      token: VIEWER,
      method: 'GET',
      path: `/api/performance/${modelId}/metrics?type=accuracy&granularity=day`,
    });
    await call({
      token: VIEWER,
      method: 'GET',
      path: `/api/performance/${modelId}/stats?type=accuracy`,
    });
    await call({
      token: VIEWER,
      method: 'GET',
      path: `/api/performance/${modelId}/stats?type=nope`,
    });
    await call({
      token: VIEWER,
      method: 'POST',
      path: '/api/performance/compare',
      body: { model_ids: [modelId], metric_type: 'accuracy' },
    });

    // Governance.
    const approval = await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/governance/approvals',
      body: { version_id: versionId, checks: ['gdpr', 'SECURITY'], notes: 'ready' },
    });
    await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/governance/approvals',
      body: { version_id: versionId, checks: ['NOPE'] },
    });
    await call({ token: VIEWER, method: 'GET', path: '/api/governance/approvals/pending' });
    await call({ token: VIEWER, method: 'GET', path: '/api/governance/approvals/pending?limit=1' });
    await call({
      token: EDITOR,
      method: 'POST',
      path: `/api/governance/approvals/${approval.body.id}/review`,
      body: { decision: 'APPROVE' },
    });
    await call({
      token: REVIEWER,
      method: 'POST',
      path: `/api/governance/approvals/${approval.body.id}/review`,
      body: { decision: 'APPROVE', notes: 'fine' },
    });
    await call({
      token: REVIEWER,
      method: 'POST',
      path: `/api/governance/approvals/${approval.body.id}/review`,
      body: { decision: 'REJECT' },
    });
    await call({
      token: EDITOR,
      method: 'POST',
      path: `/api/governance/${modelId}/check`,
      body: { version_id: versionId, checks: ['GDPR'] },
    });
    await call({ token: VIEWER, method: 'GET', path: `/api/governance/${modelId}/history` });

    // Promotion.
    await call({ token: EDITOR, method: 'POST', path: `/api/models/${modelId}/promote/2.0.0` });
    await call({ token: EDITOR, method: 'POST', path: `/api/models/${modelId}/promote/9.9.9` });
    await call({ token: VIEWER, method: 'GET', path: `/api/models/${modelId}` });

    // LLM usage.
    const track = {
      model_id: modelId,
      provider: 'OpenAI',
      provider_model: 'gpt-4-turbo-2024-04-09',
      latency_ms: 820,
      tokens_input: 1200,
      tokens_output: 300,
      cost_usd: 0.021,
      quality_score: 0.9,
    };
    await call({ token: EDITOR, method: 'POST', path: '/api/vibe/track', body: track });
    await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/vibe/track',
      body: { ...track, idempotency_key: 'req-1', latency_ms: 400 },
    });
    await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/vibe/track',
      body: { ...track, idempotency_key: 'req-1', latency_ms: 400 },
    });
    await call({
      token: EDITOR,
      method: 'POST',
      path: '/api/vibe/track',
      body: { ...track, tokens_input: -1 },
    });
    const day = 86_400_000;
    const range = `start=${new Date(Date.now() - day).toISOString()}&end=${new Date(Date.now() + day).toISOString()}`;
    await call({ token: VIEWER, method: 'GET', path: `/api/vibe/${modelId}/costs?${range}` });
    await call({
      token: VIEWER,
      method: 'GET',
      path: `/api/vibe/${modelId}/costs?start=yesterday`,
    });
    await call({
      token: VIEWER,
      method: 'GET',
      path: `/api/vibe/${modelId}/trends?granularity=day&${range}`,
    });
    await call({ token: VIEWER, method: 'GET', path: `/api/vibe/${modelId}/roi?${range}` });
    await call({
      token: VIEWER,
      method: 'POST',
      path: '/api/vibe/compare',
      body: { model_ids: [modelId], objective: 'quality' },
    });
    await call({ token: VIEWER, method: 'POST', path: '/api/vibe/compare', body: {} });

    // Idempotency-Key: first answer, replay, another request, a malformed key, a read-only POST.
    const keyed = (key: string, body: unknown, path = '/api/models', token = EDITOR) =>
      call({ token, method: 'POST', path, body, headers: { 'Idempotency-Key': key } });
    await keyed('create-once', { name: 'keyed' });
    await keyed('create-once', { name: 'keyed' });
    await keyed('create-once', { name: 'other' });
    await keyed('k'.repeat(201), { name: 'long-key' });
    await keyed(
      'compare-once',
      { model_ids: [modelId], objective: 'quality' },
      '/api/vibe/compare',
      VIEWER,
    );
    await keyed(
      'compare-once',
      { model_ids: [modelId], objective: 'quality' },
      '/api/vibe/compare',
      VIEWER,
    );

    await expect(log.join('\n\n---\n\n')).toMatchFileSnapshot('./__snapshots__/rest-answers.txt');
  });

  it('serve the same OpenAPI document', async () => {
    const response = await SELF.fetch('http://registry.test/api/openapi.json');
    expect(response.status).toBe(200);
    const document = JSON.stringify(await response.json(), null, 1);
    await expect(document).toMatchFileSnapshot('./__snapshots__/openapi.json');
  });
});
