import { sql } from 'kysely';
import type { Db } from '../../db/db.ts';
import { selectGroupedPages } from '../grouped-pages.ts';
import { jsonKeys } from '../keys.ts';
import type { PageRequest } from '../paging.ts';
import type { WebhookDeliveryTable, WebhookTable } from './webhook.table.ts';

/** Every webhook column but the encrypted secrets: nothing read for display carries them. */
const WEBHOOK_COLUMNS = [
  'id',
  'org_id',
  'url',
  'description',
  'events',
  'filter_model_ids',
  'filter_aliases',
  'filter_environments',
  'enabled',
  'previous_secret_expires_at',
  'created_at',
  'created_by',
  'updated_at',
] as const;

/** A webhook as shown: every column but the encrypted secrets. */
export type WebhookPublicRow = Omit<WebhookTable, 'secret_encrypted' | 'previous_secret_encrypted'>;

export function insertWebhook(db: Db, row: WebhookTable) {
  return db.insertInto('webhook').values(row);
}

export function findWebhooksOfOrg(db: Db, orgId: string): Promise<WebhookPublicRow[]> {
  return db
    .selectFrom('webhook')
    .select(WEBHOOK_COLUMNS)
    .where('org_id', '=', orgId)
    .orderBy('id')
    .execute();
}

/** One webhook with its encrypted secrets, for the service's own use. */
export function findWebhookById(db: Db, orgId: string, id: string) {
  return db
    .selectFrom('webhook')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

export function findWebhookIdByUrl(db: Db, orgId: string, url: string) {
  return db
    .selectFrom('webhook')
    .select('id')
    .where('org_id', '=', orgId)
    .where('url', '=', url)
    .executeTakeFirst();
}

export function updateWebhookRow(
  db: Db,
  orgId: string,
  id: string,
  updatedAtBefore: string,
  patch: Partial<Omit<WebhookTable, 'id' | 'org_id' | 'created_at' | 'created_by'>>,
) {
  // Guarded by updated_at: a concurrent change in between makes this match nothing (a conflict).
  return db
    .updateTable('webhook')
    .set(patch)
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .where('updated_at', '=', updatedAtBefore);
}

/** True while the webhook is as read (not changed or deleted since): the audit event's guard. */
export function webhookUnchangedSince(id: string, updatedAt: string) {
  return sql<boolean>`EXISTS (SELECT 1 FROM webhook WHERE id = ${id} AND updated_at = ${updatedAt})`;
}

export function deleteDeliveriesOfWebhook(db: Db, orgId: string, webhookId: string) {
  return db
    .deleteFrom('webhook_delivery')
    .where('webhook_id', '=', webhookId)
    .where('org_id', '=', orgId);
}

export function deleteWebhookRow(db: Db, orgId: string, id: string) {
  return db.deleteFrom('webhook').where('id', '=', id).where('org_id', '=', orgId);
}

/** One page of deliveries per webhook, in event order (one statement for many webhooks). */
export function findDeliveryPages(
  db: Db,
  orgId: string,
  webhookIds: readonly string[],
  page: PageRequest,
) {
  const rows = db
    .selectFrom('webhook_delivery')
    .selectAll()
    .where('webhook_id', 'in', jsonKeys(webhookIds))
    .where('org_id', '=', orgId);
  return selectGroupedPages<WebhookDeliveryTable>(
    db,
    rows,
    { group: 'webhook_id', id: 'id' },
    page,
  );
}

export function findDeliveryById(db: Db, orgId: string, id: string) {
  return db
    .selectFrom('webhook_delivery')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .executeTakeFirst();
}

/** Starts a delivery over: PENDING, no attempt yet, not enqueued. Its event id stays. */
export function resetDelivery(db: Db, orgId: string, id: string, now: string) {
  return db
    .updateTable('webhook_delivery')
    .set({
      status: 'PENDING',
      attempts: 0,
      next_attempt_at: now,
      enqueued_at: null,
      delivered_at: null,
    })
    .where('id', '=', id)
    .where('org_id', '=', orgId);
}

/**
 * Marks an organization's deliveries not yet handed to the queue as handed now and returns their
 * ids: one statement, so two dispatches at once never both take the same delivery.
 */
export async function claimNewDeliveries(
  db: Db,
  orgId: string,
  now: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .updateTable('webhook_delivery')
    .set({ enqueued_at: now })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_delivery')
        .select('id')
        .where('org_id', '=', orgId)
        .where('enqueued_at', 'is', null)
        .where('status', 'in', ['PENDING', 'FAILED'])
        .limit(limit),
    )
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/**
 * The sweep's claim, across organizations: deliveries never handed to the queue, or handed but
 * with no attempt recorded by `staleBefore` (a dispatch or a consumer that died), re-marked now.
 */
export async function claimLeftBehindDeliveries(
  db: Db,
  now: string,
  staleBefore: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .updateTable('webhook_delivery')
    .set({ enqueued_at: now })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('webhook_delivery')
        .select('id')
        .where('status', 'in', ['PENDING', 'FAILED'])
        .where((w) =>
          w.or([
            w('enqueued_at', 'is', null),
            w.and([w('enqueued_at', '<', staleBefore), w('next_attempt_at', '<', staleBefore)]),
          ]),
        )
        .limit(limit),
    )
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/** What one attempt needs, in one statement: the delivery, its webhook and its event. */
export function findDeliveryForAttempt(db: Db, id: string) {
  return db
    .selectFrom('webhook_delivery as d')
    .innerJoin('webhook as w', 'w.id', 'd.webhook_id')
    .innerJoin('audit_event as e', 'e.id', 'd.event_id')
    .select([
      'd.id as id',
      'd.org_id as org_id',
      'd.webhook_id as webhook_id',
      'd.event_id as event_id',
      'd.event_type as event_type',
      'd.status as status',
      'd.attempts as attempts',
      'w.url as url',
      'w.enabled as enabled',
      'w.secret_encrypted as secret_encrypted',
      'w.previous_secret_encrypted as previous_secret_encrypted',
      'w.previous_secret_expires_at as previous_secret_expires_at',
      'e.actor_id as actor_id',
      'e.action as action',
      'e.subject_id as subject_id',
      'e.subject_kind as subject_kind',
      'e.before as before',
      'e.after as after',
      'e.reason as reason',
      'e.created_at as occurred_at',
    ])
    .where('d.id', '=', id)
    .executeTakeFirst();
}

export type DeliveryForAttempt = NonNullable<Awaited<ReturnType<typeof findDeliveryForAttempt>>>;

/** The outcome of one attempt. Only a delivery still open (PENDING or FAILED) is changed. */
export function recordAttempt(
  db: Db,
  id: string,
  outcome: Pick<
    WebhookDeliveryTable,
    | 'status'
    | 'attempts'
    | 'http_status'
    | 'latency_ms'
    | 'response_excerpt'
    | 'next_attempt_at'
    | 'delivered_at'
  >,
) {
  return db
    .updateTable('webhook_delivery')
    .set(outcome)
    .where('id', '=', id)
    .where('status', 'in', ['PENDING', 'FAILED'])
    .execute();
}
