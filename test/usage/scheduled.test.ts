// Automatic promotion without a caller (the cron job), the promotion and its decision record in
// one batch, and late prices re-pricing earlier unpriced requests.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import {
  promoteModelVersion,
  setPromotionPolicy,
} from '../../src/registry/governance/promotion.service.ts';
import { usageReports } from '../../src/registry/usage/analysis.service.ts';
import {
  runAutoPromotion,
  runDueAutoPromotions,
  setAutoPromotionRule,
} from '../../src/registry/usage/auto-promotion.service.ts';
import {
  REPRICE_BATCH,
  runPendingRepricing,
  setPrice,
} from '../../src/registry/usage/usage.service.ts';
import type { ModelPriceTable } from '../../src/registry/usage/usage.table.ts';
import { computeCost } from '../../src/registry/usage/usage.ts';
import { runScheduledJobs, SCHEDULED_JOBS } from '../../src/scheduled.ts';
import { auditEvents, seedModel, seedVersion, serviceDeps, viewerOf } from '../helpers/fixtures.ts';
import { createTestOrg, type TestOrg, testDb } from '../helpers/graphql.ts';
import { DAY, iso, seedRequests } from './helpers.ts';

const T0 = Date.parse('2026-10-05T00:00:00.000Z');
const AT = new Date(T0 + DAY);

async function productionOf(modelId: string) {
  const row = await env.DB.prepare(
    "SELECT version_id FROM model_alias WHERE model_id = ? AND name = 'production'",
  )
    .bind(modelId)
    .first<{ version_id: string }>();
  return row?.version_id ?? null;
}

async function ruleRow(modelId: string) {
  return env.DB.prepare('SELECT * FROM auto_promotion_rule WHERE model_id = ?')
    .bind(modelId)
    .first<{ last_evaluated_at: string | null }>();
}

/** v1 in production; v2 has clearly better quality at the same cost. */
async function promotionSetup(name: string, requireApproval = false) {
  const org = await createTestOrg(name);
  const model = await seedModel(org, `${name}-model`);
  const v1 = await seedVersion(org, model.id, '1.0.0');
  const v2 = await seedVersion(org, model.id, '2.0.0');
  await setPromotionPolicy(serviceDeps(), viewerOf(org, 'ADMIN'), {
    requireApproval: false,
    requiredChecks: [],
  });
  await promoteModelVersion(serviceDeps(), viewerOf(org), { versionId: v1.id });
  if (requireApproval) {
    await setPromotionPolicy(serviceDeps(), viewerOf(org, 'ADMIN'), {
      requireApproval: true,
      requiredChecks: [],
    });
  }
  const wave = (i: number) => [-0.02, 0, 0.02][i % 3] as number;
  const rows = [];
  for (let i = 0; i < 30; i++) {
    for (const [version, quality] of [
      [v1, 0.5],
      [v2, 0.9],
    ] as const) {
      rows.push({
        modelId: model.id,
        versionId: version.id,
        quality: quality + wave(i),
        costUsd: 0.01,
        latencyMs: 100,
        timestamp: new Date(T0 + i * 1000),
      });
    }
  }
  await seedRequests(org, rows);
  return { org, model, v1, v2 };
}

describe('automatic promotion on the cron trigger', () => {
  it('promotes a significant winner with no caller, audits it, stamps the rule, and stays quiet after', async () => {
    const { org, model, v1, v2 } = await promotionSetup('cron-promote');
    await setAutoPromotionRule(serviceDeps(), viewerOf(org), {
      modelId: model.id,
      objective: 'QUALITY_PER_DOLLAR',
      minSamples: 10,
    });
    expect((await ruleRow(model.id))?.last_evaluated_at).toBeNull();
    const results = await runDueAutoPromotions(serviceDeps(), AT, 10_000);
    const mine = results.filter((r) => r.orgId === org.orgId);
    expect(mine).toEqual([expect.objectContaining({ modelId: model.id, outcome: 'PROMOTED' })]);
    expect(await productionOf(model.id)).toBe(v2.id);
    const promotions = await auditEvents(org.orgId, { action: 'model.promote' });
    expect(promotions.map((p) => p.after.versionId)).toEqual([v1.id, v2.id]);
    expect(promotions[1]?.actor_id).toBe(org.userIds.EDITOR); // the rule's author
    expect(promotions[1]?.reason).toMatch(/^Automatic promotion/);
    const decisions = await auditEvents(org.orgId, { action: 'autoPromotion.decide' });
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.after).toMatchObject({
      outcome: 'PROMOTED',
      winnerVersionId: v2.id,
      range: { from: iso(AT.getTime() - 7 * DAY), to: AT.toISOString() },
    });
    expect((await ruleRow(model.id))?.last_evaluated_at).toBe(AT.toISOString());

    // The next run: already production, nothing to record (only promotions and refusals are).
    const again = await runDueAutoPromotions(
      serviceDeps(),
      new Date(AT.getTime() + 900_000),
      10_000,
    );
    expect(again.filter((r) => r.orgId === org.orgId).map((r) => r.outcome)).toEqual([
      'ALREADY_PRODUCTION',
    ]);
    expect(await auditEvents(org.orgId, { action: 'autoPromotion.decide' })).toHaveLength(1);
    expect(await auditEvents(org.orgId, { action: 'model.promote' })).toHaveLength(2);
  });

  it('is one of the Worker’s scheduled jobs, and skips disabled rules', async () => {
    const { org, model, v1 } = await promotionSetup('cron-disabled');
    await setAutoPromotionRule(serviceDeps(), viewerOf(org), {
      modelId: model.id,
      objective: 'QUALITY_PER_DOLLAR',
      minSamples: 10,
      enabled: false,
    });
    const job = SCHEDULED_JOBS.find((j) => j.name === 'usage-auto-promotion');
    expect(job).toBeDefined();
    const outcomes = await runScheduledJobs(env, AT, [job as (typeof SCHEDULED_JOBS)[number]]);
    expect(outcomes).toEqual([{ name: 'usage-auto-promotion', ok: true }]);
    expect(await productionOf(model.id)).toBe(v1.id);
    expect((await ruleRow(model.id))?.last_evaluated_at).toBeNull();
    expect(await auditEvents(org.orgId, { action: 'autoPromotion.decide' })).toHaveLength(0);
  });

  it('does not evaluate the rule of a deleted model (it would fail every run)', async () => {
    const { org, model } = await promotionSetup('cron-deleted-model');
    await setAutoPromotionRule(serviceDeps(), viewerOf(org), {
      modelId: model.id,
      objective: 'QUALITY_PER_DOLLAR',
      minSamples: 10,
    });
    // A deleted model keeps its row as a tombstone (deletion.service), and its rule with it.
    await testDb()
      .updateTable('model')
      .set({ deleted_at: AT.toISOString() })
      .where('id', '=', model.id)
      .execute();
    const results = await runDueAutoPromotions(serviceDeps(), AT, 10_000);
    expect(results.filter((r) => r.orgId === org.orgId)).toEqual([]);
    expect((await ruleRow(model.id))?.last_evaluated_at).toBeNull();
  });

  it('records a refusal by the approval gate, and promotes nothing', async () => {
    const { org, model, v1 } = await promotionSetup('cron-refused', true);
    await setAutoPromotionRule(serviceDeps(), viewerOf(org), {
      modelId: model.id,
      objective: 'QUALITY_PER_DOLLAR',
      minSamples: 10,
    });
    const results = await runDueAutoPromotions(serviceDeps(), AT, 10_000);
    expect(results.filter((r) => r.orgId === org.orgId).map((r) => r.outcome)).toEqual(['REFUSED']);
    expect(await productionOf(model.id)).toBe(v1.id);
    expect(await auditEvents(org.orgId, { action: 'model.promote' })).toHaveLength(1);
    const decisions = await auditEvents(org.orgId, { action: 'autoPromotion.decide' });
    expect(decisions.map((d) => d.after.outcome)).toEqual(['REFUSED']);
  });
});

describe('the scheduled job reads once per run and stamps each rule in its decision’s batch', () => {
  it('reads rules, models and production aliases once per organization, not per rule', async () => {
    const { org, model, v2 } = await promotionSetup('cron-batch');
    const quiet = await seedModel(org, 'cron-batch-quiet');
    for (const modelId of [model.id, quiet.id]) {
      await setAutoPromotionRule(serviceDeps(), viewerOf(org), {
        modelId,
        objective: 'QUALITY_PER_DOLLAR',
        minSamples: 10,
      });
    }
    const prepared: string[] = [];
    const batches: { sql: string; params: unknown[] }[][] = [];
    const d1 = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'prepare') {
          return (query: string) => {
            prepared.push(query);
            return target.prepare(query);
          };
        }
        if (prop === 'batch') {
          return (statements: D1PreparedStatement[]) => {
            batches.push(
              statements.map((statement) => {
                const { statement: sql, params } = statement as unknown as {
                  statement: string;
                  params: unknown[];
                };
                return { sql, params };
              }),
            );
            return target.batch(statements);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const results = await runDueAutoPromotions({ db: createDb(d1), d1 }, AT, 10_000);
    const mine = results.filter((r) => r.orgId === org.orgId);
    expect(new Map(mine.map((r) => [r.modelId, r.outcome]))).toEqual(
      new Map([
        [model.id, 'PROMOTED'],
        [quiet.id, 'NO_WINNER'],
      ]),
    );
    expect(await productionOf(model.id)).toBe(v2.id);
    const isStamp = (sql: string) =>
      /^update "auto_promotion_rule" set "last_evaluated_at"/.test(sql);
    const stampsOf = (modelId: string) =>
      batches.filter((batch) => batch.some((s) => isStamp(s.sql) && s.params.includes(modelId)));
    // The promotion's one batch: the alias move, its audit events and the stamp, together.
    const [promotion] = stampsOf(model.id);
    expect(stampsOf(model.id)).toHaveLength(1);
    expect(promotion?.some((s) => /^\s*insert into "?audit_event/i.test(s.sql))).toBe(true);
    expect(promotion?.some((s) => /"model_alias"/.test(s.sql))).toBe(true);
    // No winner: the job audits nothing, so the stamp is its decision's only write.
    expect(stampsOf(quiet.id)).toEqual([[expect.objectContaining({ sql: expect.any(String) })]]);
    // No stamp outside a batch, except a failed rule's lone stamp (a rule of another test file
    // running at the same time can fail: the job reads every organization's due rules).
    const failed = results.filter((r) => r.outcome === 'FAILED').length;
    expect(prepared.filter(isStamp).length).toBe(
      batches.flat().filter((s) => isStamp(s.sql)).length + failed,
    );
    expect((await ruleRow(model.id))?.last_evaluated_at).toBe(AT.toISOString());
    expect((await ruleRow(quiet.id))?.last_evaluated_at).toBe(AT.toISOString());
    // Reads: the due rules once for the run; models and aliases once per organization.
    const organizations = new Set(results.map((r) => r.orgId)).size;
    expect(prepared.filter((q) => /^select .* from "auto_promotion_rule"/.test(q))).toHaveLength(1);
    const modelReads = prepared.filter((q) => /^select \* from "model" where "id" in/.test(q));
    const aliasReads = prepared.filter((q) => /^select \* from "model_alias" where/.test(q));
    expect(modelReads.length).toBe(organizations);
    expect(aliasReads.length).toBe(organizations);
    expect(organizations).toBeLessThan(results.length + 1);
  });
});

describe('the promotion and its decision record are one batch', () => {
  it('writes the alias move, its audit event and the decision together', async () => {
    const { org, model, v2 } = await promotionSetup('one-batch');
    await setAutoPromotionRule(serviceDeps(), viewerOf(org), {
      modelId: model.id,
      objective: 'QUALITY_PER_DOLLAR',
      minSamples: 10,
    });
    const batches: number[] = [];
    const d1 = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'batch') {
          return (statements: D1PreparedStatement[]) => {
            batches.push(statements.length);
            return target.batch(statements);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const decision = await runAutoPromotion({ db: testDb(), d1 }, viewerOf(org), {
      modelId: model.id,
      range: { from: iso(T0), to: iso(T0 + DAY) },
      dryRun: false,
    });
    expect(decision.outcome).toBe('PROMOTED');
    // One batch: model.promote audit, decision audit, model touch, alias.
    expect(batches).toEqual([4]);
    expect(await productionOf(model.id)).toBe(v2.id);
    const promote = await auditEvents(org.orgId, { action: 'model.promote' });
    const decide = await auditEvents(org.orgId, { action: 'autoPromotion.decide' });
    expect(promote).toHaveLength(2);
    expect(decide).toHaveLength(1);
  });

  it('leaves neither the promotion nor the decision when the decision’s write fails', async () => {
    const { org, model, v1 } = await promotionSetup('one-batch-fail');
    await setAutoPromotionRule(serviceDeps(), viewerOf(org), {
      modelId: model.id,
      objective: 'QUALITY_PER_DOLLAR',
      minSamples: 10,
    });
    const modelBefore = await env.DB.prepare('SELECT updated_at FROM model WHERE id = ?')
      .bind(model.id)
      .first<{ updated_at: string }>();
    const auditBefore = await env.DB.prepare(
      'SELECT count(*) AS n FROM audit_event WHERE org_id = ?',
    )
      .bind(org.orgId)
      .first<{ n: number }>();
    // The promotion batch (4 statements) with its decision insert (2nd) replaced by a failing one.
    const d1 = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'batch') {
          return (statements: D1PreparedStatement[]) => {
            if (statements.length === 4) {
              const failing = target.prepare('INSERT INTO audit_event (id) VALUES (NULL)');
              return target.batch([
                statements[0] as D1PreparedStatement,
                failing,
                ...statements.slice(2),
              ]);
            }
            return target.batch(statements);
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(
      runAutoPromotion({ db: testDb(), d1 }, viewerOf(org), {
        modelId: model.id,
        range: { from: iso(T0), to: iso(T0 + DAY) },
        dryRun: false,
      }),
    ).rejects.toThrow();
    expect(await productionOf(model.id)).toBe(v1.id);
    expect(await auditEvents(org.orgId, { action: 'model.promote' })).toHaveLength(1);
    expect(await auditEvents(org.orgId, { action: 'autoPromotion.decide' })).toHaveLength(0);
    const auditAfter = await env.DB.prepare(
      'SELECT count(*) AS n FROM audit_event WHERE org_id = ?',
    )
      .bind(org.orgId)
      .first<{ n: number }>();
    expect(auditAfter?.n).toBe(auditBefore?.n);
    const modelAfter = await env.DB.prepare('SELECT updated_at FROM model WHERE id = ?')
      .bind(model.id)
      .first<{ updated_at: string }>();
    expect(modelAfter?.updated_at).toBe(modelBefore?.updated_at);
  });
});

describe('late prices', () => {
  async function requestRows(orgId: string) {
    const result = await env.DB.prepare(
      `SELECT idempotency_key AS k, cost_usd, cost_source, price_id, input_tokens, output_tokens,
         cached_tokens, reasoning_tokens
       FROM inference_request WHERE org_id = ? ORDER BY idempotency_key`,
    )
      .bind(orgId)
      .all<{
        k: string;
        cost_usd: number | null;
        cost_source: string | null;
        price_id: string | null;
        input_tokens: number;
        output_tokens: number;
        cached_tokens: number;
        reasoning_tokens: number;
      }>();
    return new Map(result.results.map((row) => [row.k, row]));
  }

  async function lateSetup(org: TestOrg) {
    const model = await seedModel(org, 'late-model');
    const base = { modelId: model.id, provider: 'acme', inputTokens: 1000, outputTokens: 400 };
    await seedRequests(org, [
      // Before the price takes effect: stays unpriced.
      {
        ...base,
        providerModel: 'acme-large',
        timestamp: new Date(T0 - DAY),
        idempotencyKey: 'a-before',
      },
      // Covered: re-priced.
      {
        ...base,
        providerModel: 'acme-large',
        cachedTokens: 200,
        reasoningTokens: 100,
        timestamp: new Date(T0 + 1000),
        idempotencyKey: 'b-covered',
      },
      {
        ...base,
        providerModel: 'acme-small',
        timestamp: new Date(T0 + 2 * DAY),
        idempotencyKey: 'c-covered',
      },
      // A caller-given cost: never changed, even though the price covers it.
      {
        ...base,
        providerModel: 'acme-large',
        costUsd: 0.5,
        timestamp: new Date(T0 + 3000),
        idempotencyKey: 'd-given',
      },
      // Another provider model name, another provider: not covered.
      {
        ...base,
        providerModel: 'other-large',
        timestamp: new Date(T0 + 4000),
        idempotencyKey: 'e-other',
      },
      {
        ...base,
        provider: 'zeta',
        providerModel: 'acme-large',
        timestamp: new Date(T0 + 5000),
        idempotencyKey: 'f-zeta',
      },
    ]);
    return model;
  }

  it('re-prices the unpriced requests a new price covers, never a caller-given cost', async () => {
    const org = await createTestOrg('late-price');
    const model = await lateSetup(org);
    const range = { from: iso(T0 - 2 * DAY), to: iso(T0 + 3 * DAY) };
    const [before] = await usageReports(testDb(), org.orgId, [model.id], range);
    expect(before?.totals).toMatchObject({ requests: 6, unpricedRequests: 5, totalCostUsd: 0.5 });
    const rowsBefore = await requestRows(org.orgId);

    const price = await setPrice(serviceDeps(), viewerOf(org, 'ADMIN'), {
      provider: 'ACME',
      modelPattern: 'acme-*',
      inputPerMillion: 2,
      outputPerMillion: 8,
      cachedInputPerMillion: 0.5,
      reasoningPerMillion: 10,
      effectiveFrom: new Date(T0),
    });
    const rows = await requestRows(org.orgId);
    const priceRow: ModelPriceTable = {
      id: price.id,
      org_id: org.orgId,
      provider: 'acme',
      model_pattern: 'acme-*',
      input_per_million: 2,
      output_per_million: 8,
      cached_input_per_million: 0.5,
      reasoning_per_million: 10,
      effective_from: iso(T0),
      created_at: '',
      created_by: null,
    };
    for (const key of ['b-covered', 'c-covered']) {
      const row = rows.get(key);
      const expected = computeCost(
        {
          inputTokens: row?.input_tokens as number,
          outputTokens: row?.output_tokens as number,
          cachedTokens: row?.cached_tokens as number,
          reasoningTokens: row?.reasoning_tokens as number,
        },
        priceRow,
      );
      expect(row?.cost_usd).toBeCloseTo(expected, 15);
      expect(row).toMatchObject({ cost_source: 'PRICE_TABLE', price_id: price.id });
    }
    // b: (800 * 2 + 200 * 0.5 + 300 * 8 + 100 * 10) / 1e6
    expect(rows.get('b-covered')?.cost_usd).toBeCloseTo(0.0051, 15);
    for (const key of ['a-before', 'd-given', 'e-other', 'f-zeta']) {
      expect(rows.get(key), key).toEqual(rowsBefore.get(key));
    }
    const [after] = await usageReports(testDb(), org.orgId, [model.id], range);
    const [afterRaw] = await usageReports(testDb(), org.orgId, [model.id], range, 'RAW');
    expect(after?.totals.unpricedRequests).toBe(3);
    expect(after?.totals.pricedRequests).toBe(3);
    expect(after?.totals.totalCostUsd).toBeCloseTo(
      0.5 +
        (rows.get('b-covered')?.cost_usd as number) +
        (rows.get('c-covered')?.cost_usd as number),
      12,
    );
    expect(after?.totals).toEqual(afterRaw?.totals);
    const [audit] = await auditEvents(org.orgId, { action: 'price.set' });
    expect(audit?.reason).toBe('Re-priced 2 earlier unpriced request(s)');
    const pending = await env.DB.prepare(
      'SELECT count(*) AS n FROM usage_reprice_pending WHERE org_id = ?',
    )
      .bind(org.orgId)
      .first<{ n: number }>();
    expect(pending?.n).toBe(0);
  });

  it('writes nothing when the price is refused', async () => {
    const org = await createTestOrg('late-price-bad');
    await lateSetup(org);
    const rowsBefore = await requestRows(org.orgId);
    await expect(
      setPrice(serviceDeps(), viewerOf(org, 'ADMIN'), {
        provider: 'acme',
        modelPattern: 'acme-*',
        inputPerMillion: -1,
        outputPerMillion: 8,
        effectiveFrom: new Date(T0),
      }),
    ).rejects.toMatchObject({ path: ['inputPerMillion'] });
    expect(await requestRows(org.orgId)).toEqual(rowsBefore);
    expect(await auditEvents(org.orgId, { action: 'price.set' })).toHaveLength(0);
  });

  it('re-prices a first bounded batch at once and the rest in the scheduled job', async () => {
    const org = await createTestOrg('late-price-many');
    const model = await seedModel(org, 'late-many');
    const count = REPRICE_BATCH + 120;
    await seedRequests(
      org,
      Array.from({ length: count }, (_, i) => ({
        modelId: model.id,
        provider: 'acme',
        providerModel: 'acme-bulk',
        inputTokens: 100 + i,
        outputTokens: 10,
        timestamp: new Date(T0 + i * 1000),
      })),
    );
    const unpriced = async () =>
      (
        await env.DB.prepare(
          'SELECT count(*) AS n FROM inference_request WHERE org_id = ? AND cost_usd IS NULL',
        )
          .bind(org.orgId)
          .first<{ n: number }>()
      )?.n;
    const price = await setPrice(serviceDeps(), viewerOf(org, 'ADMIN'), {
      provider: 'acme',
      modelPattern: 'acme-bulk',
      inputPerMillion: 1,
      outputPerMillion: 2,
      effectiveFrom: new Date(T0),
    });
    expect(await unpriced()).toBe(120);
    const pending = () =>
      env.DB.prepare('SELECT price_id FROM usage_reprice_pending WHERE org_id = ?')
        .bind(org.orgId)
        .all<{ price_id: string }>();
    expect((await pending()).results).toEqual([{ price_id: price.id }]);

    const job = SCHEDULED_JOBS.find((j) => j.name === 'usage-late-price-repricing');
    expect(job).toBeDefined();
    expect(await runScheduledJobs(env, AT, [job as (typeof SCHEDULED_JOBS)[number]])).toEqual([
      { name: 'usage-late-price-repricing', ok: true },
    ]);
    expect(await unpriced()).toBe(0);
    expect((await pending()).results).toEqual([]);
    const [report] = await usageReports(testDb(), org.orgId, [model.id], {
      from: iso(T0),
      to: iso(T0 + DAY),
    });
    expect(report?.totals).toMatchObject({
      requests: count,
      unpricedRequests: 0,
      pricedRequests: count,
    });
    // Nothing left: a second run changes nothing.
    expect(await runPendingRepricing(serviceDeps())).toEqual({ repriced: 0, left: 0 });
  });
});
