import { env } from 'cloudflare:test';
import { newId } from '../../src/registry/ids.ts';
import {
  createWebhook,
  type WebhookCreateInput,
} from '../../src/registry/webhook/webhook.service.ts';
import { viewerOf } from '../helpers/fixtures.ts';
import type { TestOrg } from '../helpers/graphql.ts';
import { testDb } from '../helpers/graphql.ts';

/** What the webhook services take, with the local (non-production) settings. */
export function webhookDeps(options: { production?: boolean } = {}) {
  return {
    db: testDb(),
    d1: env.DB,
    // Production requires WEBHOOK_SECRET_KEY; elsewhere the development key stands in.
    config: {
      webhooks: {
        secretKey: options.production ? 'ab'.repeat(32) : null,
        production: options.production ?? false,
      },
    },
  };
}

let port = 40_000;

/** A loopback URL of its own (the URL is unique per organization). */
export function receiverUrl(path = 'hook'): string {
  port += 1;
  return `http://127.0.0.1:${port}/${path}`;
}

export function seedWebhook(org: TestOrg, input: Partial<WebhookCreateInput> = {}) {
  return createWebhook(webhookDeps(), viewerOf(org, 'ADMIN'), {
    url: receiverUrl(),
    events: ['MODEL_CREATED'],
    ...input,
  });
}

/** The organization's deliveries, oldest event first. */
export function deliveriesOf(orgId: string) {
  return testDb()
    .selectFrom('webhook_delivery')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
}

/** An audit event as another part of the registry (budgets, alerts) would write it. */
export async function insertAudit(
  orgId: string,
  entry: {
    action: string;
    subjectId: string;
    subjectKind: string;
    after?: unknown;
    before?: unknown;
  },
): Promise<string> {
  const id = newId();
  await env.DB.prepare(
    `INSERT INTO audit_event (id, org_id, actor_id, action, subject_id, subject_kind, before, after, created_at)
     VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      orgId,
      entry.action,
      entry.subjectId,
      entry.subjectKind,
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
      new Date().toISOString(),
    )
    .run();
  return id;
}
