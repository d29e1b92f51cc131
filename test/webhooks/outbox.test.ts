import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { runBatch } from '../../src/db/batch.ts';
import { insertAuditEvent } from '../../src/registry/audit/audit.repository.ts';
import { createDeployment } from '../../src/registry/deployment/deployment.service.ts';
import { addEdge } from '../../src/registry/lineage/lineage.service.ts';
import { setModelAlias } from '../../src/registry/model/model.service.ts';
import { updateWebhook } from '../../src/registry/webhook/webhook.service.ts';
import { WEBHOOK_EVENT_TYPE_NAMES } from '../../src/registry/webhook/webhook.ts';
import { seedModel, seedVersion, serviceDeps, viewerOf } from '../helpers/fixtures.ts';
import { createTestOrg, testDb } from '../helpers/graphql.ts';
import { deliveriesOf, insertAudit, seedWebhook, webhookDeps } from './webhook-fixtures.ts';

describe('the webhook outbox (audit_event trigger)', () => {
  it('writes a delivery for a subscribed event in the batch of the change', async () => {
    const org = await createTestOrg('outbox');
    const { webhook } = await seedWebhook(org, { events: ['MODEL_CREATED'] });

    const model = await seedModel(org, 'churn');

    const deliveries = await deliveriesOf(org.orgId);
    expect(deliveries).toHaveLength(1);
    const audit = await testDb()
      .selectFrom('audit_event')
      .select('id')
      .where('org_id', '=', org.orgId)
      .where('action', '=', 'model.register')
      .where('subject_id', '=', model.id)
      .executeTakeFirstOrThrow();
    expect(deliveries[0]).toMatchObject({
      id: `${audit.id}.${webhook.id}`,
      webhook_id: webhook.id,
      event_id: audit.id,
      event_type: 'MODEL_CREATED',
      status: 'PENDING',
      attempts: 0,
      enqueued_at: null,
    });
  });

  it('writes nothing for an organization without webhooks, nor for another organization', async () => {
    const withHooks = await createTestOrg('outbox-a');
    const without = await createTestOrg('outbox-b');
    await seedWebhook(withHooks, { events: ['MODEL_CREATED'] });

    await seedModel(without, 'other-org-model');

    expect(await deliveriesOf(without.orgId)).toEqual([]);
    expect(await deliveriesOf(withHooks.orgId)).toEqual([]);
  });

  it('skips events the webhook does not subscribe to, and disabled webhooks', async () => {
    const org = await createTestOrg('outbox-unsubscribed');
    await seedWebhook(org, { events: ['MODEL_DELETED'] });
    const { webhook: disabled } = await seedWebhook(org, { events: ['MODEL_CREATED'] });
    await updateWebhook(webhookDeps(), viewerOf(org, 'ADMIN'), { id: disabled.id, enabled: false });

    await seedModel(org, 'quiet');

    expect(await deliveriesOf(org.orgId)).toEqual([]);
  });

  it('keeps the organization’s webhook count in step with enabled webhooks', async () => {
    const org = await createTestOrg('outbox-count');
    const count = async () =>
      (
        await env.DB.prepare('SELECT webhook_count AS n FROM organization WHERE id = ?')
          .bind(org.orgId)
          .first<{ n: number }>()
      )?.n;
    expect(await count()).toBe(0);
    const { webhook } = await seedWebhook(org);
    await seedWebhook(org);
    expect(await count()).toBe(2);
    await updateWebhook(webhookDeps(), viewerOf(org, 'ADMIN'), { id: webhook.id, enabled: false });
    expect(await count()).toBe(1);
  });

  it('tells an alias set from an alias moved, with the old and new version', async () => {
    const org = await createTestOrg('outbox-alias');
    const model = await seedModel(org, 'ranker');
    const v1 = await seedVersion(org, model.id, '1.0.0');
    const v2 = await seedVersion(org, model.id, '2.0.0');
    await seedWebhook(org, { events: ['ALIAS_SET', 'ALIAS_MOVED'] });

    await setModelAlias(serviceDeps(), viewerOf(org), { versionId: v1.id, alias: 'staging' });
    await setModelAlias(serviceDeps(), viewerOf(org), { versionId: v2.id, alias: 'staging' });

    const deliveries = await deliveriesOf(org.orgId);
    expect(deliveries.map((d) => d.event_type)).toEqual(['ALIAS_SET', 'ALIAS_MOVED']);
  });

  it('applies the model, alias and environment filters', async () => {
    const org = await createTestOrg('outbox-filter');
    const a = await seedModel(org, 'model-a');
    const b = await seedModel(org, 'model-b');
    const va = await seedVersion(org, a.id, '1.0.0');
    const vb = await seedVersion(org, b.id, '1.0.0');
    const { webhook: onlyA } = await seedWebhook(org, {
      events: ['ALIAS_SET', 'MODEL_VERSION_CREATED'],
      filter: { modelIds: [a.id] },
    });
    const { webhook: onlyCanary } = await seedWebhook(org, {
      events: ['ALIAS_SET', 'MODEL_VERSION_CREATED'],
      filter: { aliases: ['canary'] },
    });

    await setModelAlias(serviceDeps(), viewerOf(org), { versionId: va.id, alias: 'staging' });
    await setModelAlias(serviceDeps(), viewerOf(org), { versionId: vb.id, alias: 'canary' });
    await seedVersion(org, b.id, '2.0.0');

    const deliveries = await deliveriesOf(org.orgId);
    const of = (webhookId: string) =>
      deliveries.filter((d) => d.webhook_id === webhookId).map((d) => d.event_type);
    // model-a only: its staging alias; not model-b's canary nor model-b's new version.
    expect(of(onlyA.id)).toEqual(['ALIAS_SET']);
    // canary only among alias events; events without an alias (a new version) pass.
    expect(of(onlyCanary.id)).toEqual(['ALIAS_SET', 'MODEL_VERSION_CREATED']);
  });

  it('maps the budgets helper’s threshold and alert events', async () => {
    const org = await createTestOrg('outbox-budgets');
    const model = await seedModel(org, 'llm');
    const version = await seedVersion(org, model.id, '1.0.0');
    const other = await seedModel(org, 'other');
    const { webhook } = await seedWebhook(org, {
      events: [
        'BUDGET_THRESHOLD_CROSSED',
        'METRIC_DEGRADATION_DETECTED',
        'METRIC_DEGRADATION_CLEARED',
      ],
    });
    const { webhook: forOther } = await seedWebhook(org, {
      events: ['BUDGET_THRESHOLD_CROSSED', 'METRIC_DEGRADATION_DETECTED'],
      filter: { modelIds: [other.id] },
    });

    const budgetId = crypto.randomUUID();
    await insertAudit(org.orgId, {
      action: 'budget.thresholdCrossed',
      subjectId: budgetId,
      subjectKind: 'Budget',
      after: {
        budgetId,
        scope: 'MODEL',
        scopeId: model.id,
        period: 'DAY',
        periodStart: '2026-12-07T00:00:00.000Z',
        threshold: 0.8,
        spentUsd: 8.1,
        limitUsd: 10,
      },
    });
    await insertAudit(org.orgId, {
      action: 'alert.opened',
      subjectId: version.id,
      subjectKind: 'ModelVersion',
      after: { alertId: 'a1', metric: 'accuracy' },
    });
    await insertAudit(org.orgId, {
      action: 'alert.cleared',
      subjectId: version.id,
      subjectKind: 'ModelVersion',
      after: { alertId: 'a1', metric: 'accuracy' },
    });

    const deliveries = await deliveriesOf(org.orgId);
    expect(deliveries.filter((d) => d.webhook_id === webhook.id).map((d) => d.event_type)).toEqual([
      'BUDGET_THRESHOLD_CROSSED',
      'METRIC_DEGRADATION_DETECTED',
      'METRIC_DEGRADATION_CLEARED',
    ]);
    expect(deliveries.filter((d) => d.webhook_id === forOther.id)).toEqual([]);
  });

  it('announces nothing for a change that did not commit', async () => {
    const org = await createTestOrg('outbox-rollback');
    await seedWebhook(org, { events: ['MODEL_CREATED'] });
    const model = await seedModel(org, 'taken');
    const db = testDb();

    // An audit event in a batch whose other statement fails (the model's id again): D1 rolls
    // the whole batch back, the delivery the trigger wrote with it included.
    const failed = runBatch(env.DB, [
      insertAuditEvent(db, {
        orgId: org.orgId,
        actorId: null,
        action: 'model.register',
        subjectId: model.id,
        subjectKind: 'Model',
        after: { name: 'never' },
      }),
      db.insertInto('model').values({
        ...(await db
          .selectFrom('model')
          .selectAll()
          .where('id', '=', model.id)
          .executeTakeFirstOrThrow()),
      }),
    ]);

    await expect(failed).rejects.toThrow(/UNIQUE|PRIMARY/);
    expect(await deliveriesOf(org.orgId)).toHaveLength(1);
  });

  it('filters lineage edges by the deployment’s environment', async () => {
    const org = await createTestOrg('outbox-environment');
    const model = await seedModel(org, 'served');
    const version = await seedVersion(org, model.id, '1.0.0');
    const deploy = (name: string, environment: string) =>
      createDeployment(serviceDeps(), viewerOf(org), { name, environment, modelVersions: [] });
    const production = await deploy('prod-eu', 'production');
    const staging = await deploy('stage-eu', 'staging');
    const { webhook } = await seedWebhook(org, {
      events: ['LINEAGE_EDGE_ADDED'],
      filter: { environments: ['PRODUCTION'] },
    });

    for (const deployment of [production, staging]) {
      await addEdge(serviceDeps(), viewerOf(org), {
        type: 'DEPLOYED_TO',
        from: { kind: 'ModelVersion', id: version.id },
        to: { kind: 'Deployment', id: deployment.id },
      });
    }

    const deliveries = await deliveriesOf(org.orgId);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      webhook_id: webhook.id,
      event_type: 'LINEAGE_EDGE_ADDED',
    });
    expect(webhook.filter.environments).toEqual(['production']);
  });

  it('maps audit actions only to event types the API names, and names none it never sends', async () => {
    const { results } = await env.DB.prepare(
      'SELECT DISTINCT event_type FROM webhook_event_action',
    ).all<{ event_type: string }>();
    const mapped = new Set(results.map((row) => row.event_type));
    // ALIAS_MOVED comes from model.aliasSet through the trigger's CASE.
    mapped.add('ALIAS_MOVED');
    expect([...mapped].sort()).toEqual([...WEBHOOK_EVENT_TYPE_NAMES].sort());
  });
});
