import { env } from 'cloudflare:test';
import { RecordingEventSink } from '../../src/ports/event-sink.ts';
import {
  type InferenceTrackInput,
  trackInferences,
} from '../../src/registry/usage/usage.service.ts';
import { serviceDeps, viewerOf } from '../helpers/fixtures.ts';
import type { TestOrg } from '../helpers/graphql.ts';

export const DAY = 86_400_000;
export const iso = (ms: number) => new Date(ms).toISOString();

/** Rows of the usage tables of one organization, and its audit events. */
export async function usageRowCounts(orgId: string) {
  const row = await env.DB.prepare(
    `SELECT (SELECT count(*) FROM inference_request WHERE org_id = ?1) AS requests,
      (SELECT count(*) FROM model_price WHERE org_id = ?1) AS prices,
      (SELECT count(*) FROM auto_promotion_rule WHERE org_id = ?1) AS rules,
      (SELECT count(*) FROM audit_event WHERE org_id = ?1) AS audit,
      (SELECT count(*) FROM model_alias WHERE org_id = ?1) AS aliases`,
  )
    .bind(orgId)
    .first<{ requests: number; prices: number; rules: number; audit: number; aliases: number }>();
  if (!row) throw new Error('no counts');
  return row;
}

/** Records requests through the service (no HTTP), with defaults for the fields a test ignores. */
export async function seedRequests(
  org: TestOrg,
  requests: (Partial<InferenceTrackInput> & { modelId: string })[],
) {
  const sink = new RecordingEventSink();
  const full = requests.map((request) => ({
    provider: 'openai',
    providerModel: 'gpt-test',
    latencyMs: 100,
    inputTokens: 10,
    outputTokens: 10,
    status: 'SUCCESS' as const,
    ...request,
  }));
  for (let start = 0; start < full.length; start += 1000) {
    await trackInferences(serviceDeps(), viewerOf(org), sink, full.slice(start, start + 1000));
  }
  return sink;
}
