// Webhooks of an organization: create, change, delete, rotate the secret, test, redeliver, list.
// Admins only (the APIs' scope checks). Every change is audited in its own batch; the audit insert
// of webhook.test is itself the test event (the outbox trigger sends it to that webhook alone).
import type { Viewer } from '../../auth/viewer.ts';
import { runBatch } from '../../db/batch.ts';
import { insertAuditEvent, insertAuditEventWhere } from '../audit/audit.repository.ts';
import type { Deps } from '../deps.ts';
import { AlreadyExistsError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { claimWritesWhere, type IdempotencyClaim } from '../idempotency/idempotency.service.ts';
import { newId, nowIso } from '../ids.ts';
import { findModelsByIds } from '../model/model.repository.ts';
import { ALIAS_PATTERN } from '../model/model.ts';
import type { PageRequest } from '../paging.ts';
import { groupRows } from '../paging.ts';
import { optionalText, requireName } from '../validate.ts';
import {
  deleteDeliveriesOfWebhook,
  deleteWebhookRow,
  findDeliveryById,
  findDeliveryPages,
  findWebhookById,
  findWebhookIdByUrl,
  findWebhooksOfOrg,
  insertWebhook,
  resetDelivery,
  updateWebhookRow,
  webhookUnchangedSince,
} from './webhook.repository.ts';
import type { WebhookTable } from './webhook.table.ts';
import {
  toWebhook,
  toWebhookDelivery,
  WEBHOOK_EVENT_TYPE_NAMES,
  WEBHOOK_TEST_EVENT,
  type Webhook,
  type WebhookDelivery,
  type WebhookEventType,
  type WebhookFilter,
} from './webhook.ts';
import { encryptSecret, generateSecret, type WebhookKeyConfig } from './webhook-secret.ts';
import { checkWebhookUrl } from './webhook-url.ts';

/** Webhooks one organization may have. */
export const MAX_WEBHOOKS_PER_ORG = 25;
/** Entries in each filter list. */
export const MAX_FILTER_ENTRIES = 100;
/** How long the secret before a rotation still signs deliveries, by default and at most. */
export const DEFAULT_ROTATION_GRACE_HOURS = 24;
export const MAX_ROTATION_GRACE_HOURS = 24 * 7;

type WebhookDeps = Pick<Deps, 'db' | 'd1'> & { config: { webhooks: WebhookKeyConfig } };

export interface WebhookFilterInput {
  /** Model row ids (already decoded from global IDs). */
  modelIds?: readonly string[] | null;
  aliases?: readonly string[] | null;
  environments?: readonly string[] | null;
}

export interface WebhookCreateInput {
  url: string;
  events: readonly string[];
  filter?: WebhookFilterInput | null;
  description?: string | null;
}

export interface WebhookUpdateInput {
  id: string;
  /** Each field left undefined stays as it is; filter or description null clears it. */
  url?: string;
  events?: readonly string[];
  filter?: WebhookFilterInput | null;
  description?: string | null;
  enabled?: boolean;
}

function checkEvents(events: readonly string[], path: readonly string[]): WebhookEventType[] {
  if (events.length === 0) throw new ValidationError('Subscribe to at least one event', path);
  const known = new Set<string>(WEBHOOK_EVENT_TYPE_NAMES);
  const chosen: WebhookEventType[] = [];
  events.forEach((event, index) => {
    if (!known.has(event)) {
      throw new ValidationError(`Unknown event type "${String(event).slice(0, 64)}"`, [
        ...path,
        String(index),
      ]);
    }
    if (!chosen.includes(event as WebhookEventType)) chosen.push(event as WebhookEventType);
  });
  return chosen;
}

function checkList(
  values: readonly string[] | null | undefined,
  path: readonly string[],
  check: (value: string, path: readonly string[]) => string,
): string[] | null {
  if (values === null || values === undefined) return null;
  if (values.length > MAX_FILTER_ENTRIES) {
    throw new ValidationError(`At most ${MAX_FILTER_ENTRIES} entries`, path);
  }
  // An empty list would match nothing, silently: refused, so that "no filter" is always null.
  if (values.length === 0) throw new ValidationError('Leave it out to not filter', path);
  const out: string[] = [];
  values.forEach((value, index) => {
    const checked = check(value, [...path, String(index)]);
    if (!out.includes(checked)) out.push(checked);
  });
  return out;
}

async function checkFilter(
  deps: WebhookDeps,
  viewer: Viewer,
  filter: WebhookFilterInput | null | undefined,
): Promise<WebhookFilter> {
  if (!filter) return { modelIds: null, aliases: null, environments: null };
  const modelIds = checkList(filter.modelIds, ['filter', 'modelIds'], (id) => id);
  if (modelIds) {
    const found = new Set(
      (await findModelsByIds(deps.db, viewer.orgId, modelIds)).map((row) => row.id),
    );
    const missing = modelIds.findIndex((id) => !found.has(id));
    if (missing >= 0) {
      throw new NotFoundError(
        'No model with this id',
        ['filter', 'modelIds', String(missing)],
        modelIds[missing] as string,
        'Model',
      );
    }
  }
  return {
    modelIds,
    aliases: checkList(filter.aliases, ['filter', 'aliases'], (alias, path) =>
      requireName(alias, path, {
        max: 64,
        pattern: ALIAS_PATTERN,
        patternHint: 'Must be lowercase letters, digits, "-" or "_", starting with a letter',
      }),
    ),
    environments: checkList(filter.environments, ['filter', 'environments'], (environment, path) =>
      // Deployments store their environment lowercase.
      requireName(environment.toLowerCase(), path, { max: 32 }),
    ),
  };
}

function filterColumns(filter: WebhookFilter) {
  const list = (values: string[] | null) => (values === null ? null : JSON.stringify(values));
  return {
    filter_model_ids: list(filter.modelIds),
    filter_aliases: list(filter.aliases),
    filter_environments: list(filter.environments),
  };
}

/** What the audit trail records of a webhook: never a secret. */
function auditView(
  row: Pick<WebhookTable, 'url' | 'events' | 'description' | 'enabled'> & {
    filter_model_ids: string | null;
    filter_aliases: string | null;
    filter_environments: string | null;
  },
) {
  return {
    url: row.url,
    events: JSON.parse(row.events),
    filter: {
      modelIds: row.filter_model_ids === null ? null : JSON.parse(row.filter_model_ids),
      aliases: row.filter_aliases === null ? null : JSON.parse(row.filter_aliases),
      environments: row.filter_environments === null ? null : JSON.parse(row.filter_environments),
    },
    description: row.description,
    enabled: row.enabled === 1,
  };
}

function isDuplicateUrl(error: unknown): boolean {
  return String(error).includes('UNIQUE constraint failed: webhook.org_id, webhook.url');
}

async function requireWebhook(deps: WebhookDeps, viewer: Viewer, id: string) {
  const row = await findWebhookById(deps.db, viewer.orgId, id);
  if (!row) throw new NotFoundError('No webhook with this id', ['id'], id, 'Webhook');
  return row;
}

/** Creates a webhook; its signing secret is returned here once and never again. */
export async function createWebhook(
  deps: WebhookDeps,
  viewer: Viewer,
  input: WebhookCreateInput,
): Promise<{ webhook: Webhook; secret: string }> {
  const url = checkWebhookUrl(input.url, deps.config.webhooks, ['url']);
  const events = checkEvents(input.events, ['events']);
  const description = optionalText(input.description, ['description'], 2000);
  const filter = await checkFilter(deps, viewer, input.filter);
  const existing = await findWebhooksOfOrg(deps.db, viewer.orgId);
  if (existing.some((row) => row.url === url)) {
    throw new AlreadyExistsError('A webhook with this URL already exists', ['url']);
  }
  if (existing.length >= MAX_WEBHOOKS_PER_ORG) {
    throw new ConflictError(
      `An organization has at most ${MAX_WEBHOOKS_PER_ORG} webhooks; delete one first`,
      [],
    );
  }
  const secret = generateSecret();
  const now = nowIso();
  const row: WebhookTable = {
    id: newId(),
    org_id: viewer.orgId,
    url,
    description,
    events: JSON.stringify(events),
    ...filterColumns(filter),
    enabled: 1,
    secret_encrypted: await encryptSecret(deps.config.webhooks, secret),
    previous_secret_encrypted: null,
    previous_secret_expires_at: null,
    created_at: now,
    created_by: viewer.userId,
    updated_at: now,
  };
  try {
    await runBatch(deps.d1, [
      insertWebhook(deps.db, row),
      insertAuditEvent(deps.db, {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'webhook.create',
        subjectId: row.id,
        subjectKind: 'Webhook',
        after: auditView(row),
      }),
    ]);
  } catch (error) {
    if (isDuplicateUrl(error)) {
      throw new AlreadyExistsError('A webhook with this URL already exists', ['url']);
    }
    throw error;
  }
  return { webhook: toWebhook(row, now), secret };
}

/** Changes a webhook's URL, events, filter, description or enabled state; audited. */
export async function updateWebhook(
  deps: WebhookDeps,
  viewer: Viewer,
  input: WebhookUpdateInput,
  claim?: IdempotencyClaim,
): Promise<Webhook> {
  const row = await requireWebhook(deps, viewer, input.id);
  const patch: Partial<WebhookTable> = {};
  if (input.url !== undefined)
    patch.url = checkWebhookUrl(input.url, deps.config.webhooks, ['url']);
  if (input.events !== undefined)
    patch.events = JSON.stringify(checkEvents(input.events, ['events']));
  if (input.filter !== undefined)
    Object.assign(patch, filterColumns(await checkFilter(deps, viewer, input.filter)));
  if (input.description !== undefined) {
    patch.description = optionalText(input.description, ['description'], 2000);
  }
  if (input.enabled !== undefined) patch.enabled = input.enabled ? 1 : 0;
  if (patch.url !== undefined && patch.url !== row.url) {
    if (await findWebhookIdByUrl(deps.db, viewer.orgId, patch.url)) {
      throw new AlreadyExistsError('A webhook with this URL already exists', ['url']);
    }
  }
  const now = nowIso();
  // Strictly later than the version read, so the guard of a later change sees this one.
  const updatedAt =
    now > row.updated_at ? now : new Date(Date.parse(row.updated_at) + 1).toISOString();
  const updated: WebhookTable = { ...row, ...patch, updated_at: updatedAt };
  const result = toWebhook(updated, now);
  const unchanged = webhookUnchangedSince(row.id, row.updated_at);
  try {
    const results = await runBatch(deps.d1, [
      ...claimWritesWhere(deps.db, claim, result, unchanged),
      insertAuditEventWhere(
        deps.db,
        {
          orgId: viewer.orgId,
          actorId: viewer.userId,
          action: 'webhook.update',
          subjectId: row.id,
          subjectKind: 'Webhook',
          before: auditView(row),
          after: auditView(updated),
        },
        unchanged,
      ),
      updateWebhookRow(deps.db, viewer.orgId, row.id, row.updated_at, {
        ...patch,
        updated_at: updatedAt,
      }),
    ]);
    if (results[results.length - 1]?.meta.changes === 0) {
      throw new ConflictError(
        'The webhook was changed by another request meanwhile; read it and try again',
        ['id'],
      );
    }
  } catch (error) {
    if (isDuplicateUrl(error)) {
      throw new AlreadyExistsError('A webhook with this URL already exists', ['url']);
    }
    throw error;
  }
  return result;
}

/** Deletes a webhook and its deliveries (queued ones are then dropped unsent); audited. */
export async function deleteWebhook(
  deps: WebhookDeps,
  viewer: Viewer,
  id: string,
  claim?: IdempotencyClaim,
): Promise<Webhook> {
  const row = await requireWebhook(deps, viewer, id);
  const result = toWebhook(row, nowIso());
  const unchanged = webhookUnchangedSince(row.id, row.updated_at);
  const results = await runBatch(deps.d1, [
    ...claimWritesWhere(deps.db, claim, result, unchanged),
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'webhook.delete',
        subjectId: row.id,
        subjectKind: 'Webhook',
        before: auditView(row),
      },
      unchanged,
    ),
    deleteDeliveriesOfWebhook(deps.db, viewer.orgId, row.id),
    deleteWebhookRow(deps.db, viewer.orgId, row.id).where('updated_at', '=', row.updated_at),
  ]);
  if (results[results.length - 1]?.meta.changes === 0) {
    throw new ConflictError(
      'The webhook was changed by another request meanwhile; read it and try again',
      ['id'],
    );
  }
  return result;
}

/**
 * A new signing secret, returned once. The one it replaces keeps signing deliveries (both
 * signatures are sent) for `graceHours`, so receivers can switch without losing a delivery.
 */
export async function rotateWebhookSecret(
  deps: WebhookDeps,
  viewer: Viewer,
  input: { id: string; graceHours?: number | null },
): Promise<{ webhook: Webhook; secret: string }> {
  const graceHours = input.graceHours ?? DEFAULT_ROTATION_GRACE_HOURS;
  if (!Number.isFinite(graceHours) || graceHours < 0 || graceHours > MAX_ROTATION_GRACE_HOURS) {
    throw new ValidationError(`Must be between 0 and ${MAX_ROTATION_GRACE_HOURS} hours`, [
      'graceHours',
    ]);
  }
  const row = await requireWebhook(deps, viewer, input.id);
  const secret = generateSecret();
  const now = nowIso();
  const updatedAt =
    now > row.updated_at ? now : new Date(Date.parse(row.updated_at) + 1).toISOString();
  const expiresAt = new Date(Date.parse(now) + graceHours * 3_600_000).toISOString();
  const patch = {
    secret_encrypted: await encryptSecret(deps.config.webhooks, secret),
    previous_secret_encrypted: graceHours > 0 ? row.secret_encrypted : null,
    previous_secret_expires_at: graceHours > 0 ? expiresAt : null,
    updated_at: updatedAt,
  };
  const results = await runBatch(deps.d1, [
    insertAuditEventWhere(
      deps.db,
      {
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'webhook.rotateSecret',
        subjectId: row.id,
        subjectKind: 'Webhook',
        after: { previousSecretExpiresAt: patch.previous_secret_expires_at },
      },
      webhookUnchangedSince(row.id, row.updated_at),
    ),
    updateWebhookRow(deps.db, viewer.orgId, row.id, row.updated_at, patch),
  ]);
  if (results[1]?.meta.changes === 0) {
    throw new ConflictError('The webhook was changed by another request meanwhile; try again', [
      'id',
    ]);
  }
  return { webhook: toWebhook({ ...row, ...patch }, now), secret };
}

/** Sends a webhook.test event to one webhook; the delivery is returned, PENDING. */
export async function testWebhook(
  deps: WebhookDeps,
  viewer: Viewer,
  id: string,
  claim?: IdempotencyClaim,
): Promise<WebhookDelivery> {
  const row = await requireWebhook(deps, viewer, id);
  if (row.enabled !== 1) {
    throw new ConflictError('The webhook is disabled: enable it before testing it', ['id']);
  }
  const eventId = newId();
  const now = nowIso();
  // The trigger writes this row with the audit event (the webhook is enabled while unchanged).
  const delivery = toWebhookDelivery({
    id: `${eventId}.${row.id}`,
    org_id: viewer.orgId,
    webhook_id: row.id,
    event_id: eventId,
    event_type: WEBHOOK_TEST_EVENT,
    status: 'PENDING',
    attempts: 0,
    http_status: null,
    latency_ms: null,
    response_excerpt: null,
    next_attempt_at: now,
    enqueued_at: null,
    created_at: now,
    delivered_at: null,
  });
  const unchanged = webhookUnchangedSince(row.id, row.updated_at);
  const results = await runBatch(deps.d1, [
    ...claimWritesWhere(deps.db, claim, delivery, unchanged),
    insertAuditEventWhere(
      deps.db,
      {
        id: eventId,
        orgId: viewer.orgId,
        actorId: viewer.userId,
        action: 'webhook.test',
        subjectId: row.id,
        subjectKind: 'Webhook',
        after: { url: row.url },
        // The delivery the trigger writes takes the event's time: the answer shows the same.
        createdAt: now,
      },
      unchanged,
    ),
  ]);
  if (results[results.length - 1]?.meta.changes === 0) {
    throw new ConflictError('The webhook was changed by another request meanwhile; try again', [
      'id',
    ]);
  }
  return delivery;
}

/**
 * Sends a delivery again from the start (PENDING, a fresh set of attempts), whatever its status;
 * its event id (the `webhook-id` header) stays, so a receiver can still de-duplicate.
 */
export async function redeliverWebhookDelivery(
  deps: WebhookDeps,
  viewer: Viewer,
  deliveryId: string,
  claim?: IdempotencyClaim,
): Promise<WebhookDelivery> {
  const found = await findDeliveryById(deps.db, viewer.orgId, deliveryId);
  if (!found) {
    throw new NotFoundError(
      'No webhook delivery with this id',
      ['deliveryId'],
      deliveryId,
      'WebhookDelivery',
    );
  }
  const now = nowIso();
  const delivery = toWebhookDelivery({
    ...found,
    status: 'PENDING',
    attempts: 0,
    next_attempt_at: now,
    enqueued_at: null,
    delivered_at: null,
  });
  await runBatch(deps.d1, [
    ...(claim ? claim.writes(deps.db, delivery) : []),
    insertAuditEvent(deps.db, {
      orgId: viewer.orgId,
      actorId: viewer.userId,
      action: 'webhook.redeliver',
      subjectId: found.webhook_id,
      subjectKind: 'Webhook',
      before: { deliveryId, status: found.status, attempts: found.attempts },
    }),
    resetDelivery(deps.db, viewer.orgId, deliveryId, now),
  ]);
  return delivery;
}

/** The organization's webhooks, oldest first (never their secrets). */
export async function listWebhooks(deps: Pick<Deps, 'db'>, viewer: Viewer): Promise<Webhook[]> {
  const now = nowIso();
  return (await findWebhooksOfOrg(deps.db, viewer.orgId)).map((row) => toWebhook(row, now));
}

/** One page of deliveries per webhook, in event order, for a list of webhooks at once. */
export async function deliveryPagesOf(
  deps: Pick<Deps, 'db'>,
  viewer: Viewer,
  webhookIds: readonly string[],
  page: PageRequest,
): Promise<WebhookDelivery[][]> {
  const rows = await findDeliveryPages(deps.db, viewer.orgId, webhookIds, page);
  return groupRows(webhookIds, rows, (row) => row.group_id).map((group) =>
    group.map(toWebhookDelivery),
  );
}

/** One page of one webhook's deliveries (REST); NotFoundError on ['id'] for an unknown webhook. */
export async function deliveryPageOf(
  deps: WebhookDeps,
  viewer: Viewer,
  webhookId: string,
  page: PageRequest,
): Promise<WebhookDelivery[]> {
  await requireWebhook(deps, viewer, webhookId);
  const [rows = []] = await deliveryPagesOf(deps, viewer, [webhookId], page);
  return rows;
}
