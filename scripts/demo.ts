// `npm run demo`: the original example lifecycle, run through the public GraphQL API of a running
// registry (`npm start` in another terminal). Registers three LLMs with their versions, datasets
// and deployments, tracks a few thousand inference requests, compares the models (A/B), computes
// ROI, takes the winner through approval and compliance checks to production, and prints its
// lineage graph.
//
// Idempotent: a second run finds the models, datasets, deployments, experiment and reviewer by
// name and reuses them, and the requests carry idempotency keys, so nothing is recorded twice
// (the run asserts it and prints the counts). The traffic comes from a seeded PRNG, so two runs
// on the same day send identical requests.
//
//   npm run demo                 # against http://127.0.0.1:8787 with .wrangler/local-admin-token
//   DEMO_URL=... DEMO_TOKEN=... npm run demo
//   npm run demo -- --check      # quiet: one line per step, then re-sends every request and
//                                # asserts nothing was recorded twice; exits 1 on any failure
import { createHash } from 'node:crypto';
import {
  BASE_URL,
  getAdminToken,
  gql,
  type Json,
  payload,
  readToken,
  setAdminToken,
} from './demo/client.ts';
import {
  EXPERIMENT,
  FAIRNESS_EVIDENCE,
  INTENDED_USE,
  MODEL_CARD_OWNER,
  MODELS,
} from './demo/example.ts';
import {
  ApiTokenRevoke,
  ApprovalChecks,
  ApprovalRequest,
  ApprovalReview,
  ArtifactUploadCreate,
  Compare,
  ComplianceCheckRun,
  Lineage,
  MetricCounts,
  MetricsRecord,
  MetricsReport,
  ModelVersionPromote,
  VersionGovernance,
  Viewer,
} from './demo/operations.ts';
import { assert, CHECK, count, fixed, pValue, say, step, table, usd } from './demo/output.ts';
import {
  BATCH_SIZE,
  ensureDatasets,
  ensureDeploymentsAndExperiment,
  ensureModels,
  ensurePrices,
  ensureReviewer,
  type Ids,
  registryRows,
  requestCounts,
  track,
} from './demo/seed.ts';
import { DAY_MS, DAYS_OF_TRAFFIC, metricPointsFor, trafficFor } from './demo/traffic.ts';

function printChecks(checks: Json[]) {
  table(
    ['check', 'status', 'summary'],
    checks.map((check) => [check.type, check.status, check.summary]),
  );
  for (const check of checks) {
    for (const finding of check.findings) {
      if (check.status !== 'PASSED') say(`     ${check.type} ${finding.code}: ${finding.message}`);
    }
  }
}

async function main() {
  setAdminToken(readToken());
  const ids: Ids = { models: {}, datasets: {}, deployments: {}, experimentId: '' };
  const today = new Date();
  const dayStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const windowFrom = new Date(dayStart - DAYS_OF_TRAFFIC * DAY_MS).toISOString();
  const countsFrom = new Date(dayStart - 30 * DAY_MS).toISOString();

  say(`Model Registry demo against ${BASE_URL}`);
  const viewer = await step('Connect', async () => {
    const { viewer } = await gql(Viewer);
    assert(viewer, 'the token names a user');
    say(
      `   Signed in as ${viewer.name} (${viewer.role}) in organization "${viewer.organization.name}"`,
    );
    assert(viewer.role === 'ADMIN', 'the demo needs an ADMIN token (prices, users, tokens)');
    return viewer;
  });

  await step('Register datasets, models, versions, deployments and the experiment', async () => {
    await ensureDatasets(ids);
    await ensureModels(ids);
    await ensureDeploymentsAndExperiment(ids);
    table(['kind', 'name', 'this run'], registryRows);
    const created = registryRows.filter((row) => row[2] === 'created').length;
    say(`   ${created} created, ${registryRows.length - created} found by name and reused`);
  });

  await step('Set provider prices (the price table prices each request)', ensurePrices);

  const traffic = MODELS.flatMap((spec) => trafficFor(spec, ids, dayStart));
  await step(
    `Track ${count(traffic.length)} inference requests (${BATCH_SIZE} per inferenceTrack call, idempotency keys)`,
    async () => {
      const before = await requestCounts(ids, countsFrom);
      const rows: (string | number)[][] = [];
      let recordedTotal = 0;
      for (const spec of MODELS) {
        const requests = traffic.filter((r) => r.modelId === ids.models[spec.name]?.id);
        const outcome = await track(requests);
        recordedTotal += outcome.recorded;
        assert(
          outcome.recorded + outcome.deduplicated === outcome.sent,
          `every request of ${spec.name} recorded or deduplicated`,
        );
        assert(outcome.unpriced === 0, `every request of ${spec.name} priced from the price table`);
        rows.push([
          spec.name,
          count(before.get(spec.name) ?? 0),
          count(outcome.sent),
          count(outcome.recorded),
          count(outcome.deduplicated),
        ]);
      }
      const after = await requestCounts(ids, countsFrom);
      for (const [i, spec] of MODELS.entries()) {
        const row = rows[i] as (string | number)[];
        const was = before.get(spec.name) ?? 0;
        const now = after.get(spec.name) ?? 0;
        row.push(count(now));
        // The idempotency keys at work: a rerun adds nothing, so the count never doubles.
        assert(
          now - was === Number(String(row[3]).replace(/,/g, '')),
          `${spec.name}: requests grew by exactly the newly recorded ones`,
        );
      }
      table(
        ['model', 'requests before', 'sent', 'newly recorded', 'deduplicated', 'requests after'],
        rows,
      );
      say(
        recordedTotal === 0
          ? '   Every request was already recorded: the counts did not change (idempotency keys).'
          : `   ${count(recordedTotal)} requests recorded; a rerun records none of them again.`,
      );
    },
  );

  await step(
    'Record performance metrics (latency every 30 minutes for 8 days, daily accuracy)',
    async () => {
      const versionIds = MODELS.map(
        (spec) => ids.models[spec.name]?.versions[spec.servingVersion] as string,
      );
      const existing = new Map<string, number>(
        (
          await gql(MetricCounts, {
            ids: versionIds,
            // the longest range metricStats takes
            from: new Date(Date.now() - 390 * DAY_MS).toISOString(),
          })
        ).nodes.map((node: Json) => [node.id, node.metricStats.count]),
      );
      const now = Date.now();
      for (const [i, spec] of MODELS.entries()) {
        const versionId = versionIds[i] as string;
        // Points carry no idempotency key: record a version's series once, on the first run.
        if ((existing.get(versionId) ?? 0) > 0) continue;
        const points = metricPointsFor(spec, versionId, now);
        const result = payload(
          (await gql(MetricsRecord, { input: { points } })).metricsRecord,
          'MetricsRecordPayload',
        );
        assert(
          result.recorded === points.length,
          `all ${points.length} points of ${spec.name} recorded`,
        );
      }
      const report = await gql(MetricsReport, {
        ids: versionIds,
        modelIds: MODELS.map((spec) => ids.models[spec.name]?.id),
      });
      table(
        ['version', 'latency points', 'p50 ms', 'p95 ms', 'accuracy', 'this run'],
        report.nodes.map((node: Json, i: number) => [
          `${node.model.name} ${node.version}`,
          count(node.latency.count),
          Math.round(node.latency.p50),
          Math.round(node.latency.p95),
          fixed(node.accuracy.mean),
          (existing.get(versionIds[i] as string) ?? 0) > 0 ? 'already recorded' : 'recorded',
        ]),
      );
      say(
        `\n   Fastest p95 first: ${report.modelComparison.map((entry: Json) => entry.model.name).join(', ')}`,
      );
      for (const alert of report.metricAlerts) {
        say(
          `   Alert: ${alert.model.name} ${alert.modelVersion.version} ${alert.metricType} ${alert.direction}: ` +
            `${fixed(alert.baseline.mean, 0)} -> ${fixed(alert.recent.mean, 0)} (${alert.relativeChange > 0 ? '+' : ''}${(alert.relativeChange * 100).toFixed(0)}%, p ${pValue(alert.pValue)}, ${alert.recent.count} vs ${alert.baseline.count} points)`,
        );
      }
      if (report.metricAlerts.length === 0) say('   No metric alerts in the last 24 hours');
    },
  );

  const comparison = await step(
    'Compare the models (A/B test over the experiment, Welch t-tests)',
    async () => {
      const modelIds = MODELS.map((spec) => ids.models[spec.name]?.id);
      const data = await gql(Compare, {
        experimentId: ids.experimentId,
        modelIds,
        from: windowFrom,
      });
      const report = data.abTestCompare;
      const names = new Map(report.arms.map((arm: Json) => [arm.model.id, arm.model.name]));
      table(
        ['arm', 'requests', 'errors', 'quality', '95% CI', 'p50 ms', 'p95 ms', 'cost/request'],
        report.arms.map((arm: Json) => [
          arm.model.name,
          count(arm.requests),
          `${(arm.errorRate * 100).toFixed(1)}%`,
          fixed(arm.meanQuality),
          arm.qualityCi95 ? `${fixed(arm.qualityCi95.low)}-${fixed(arm.qualityCi95.high)}` : null,
          Math.round(arm.latency.p50),
          Math.round(arm.latency.p95),
          usd(arm.meanCostUsd),
        ]),
      );
      say('');
      table(
        ['pair', 'quality diff', 'p (quality)', 'p (latency)', 'p (errors)'],
        report.pairs.map((pair: Json) => [
          `${names.get(pair.a)} vs ${names.get(pair.b)}`,
          fixed(pair.qualityDifference),
          pValue(pair.quality?.pValue),
          pValue(pair.latency?.pValue),
          pValue(pair.errorRate?.pValue),
        ]),
      );
      const verdict = report.verdict;
      say(
        `\n   Verdict: ${verdict.outcome}${verdict.winner ? ` — ${names.get(verdict.winner)}` : ''}. ${verdict.reason}`,
      );
      assert(
        verdict.outcome === 'WINNER' && verdict.winner,
        'the A/B test has a significant winner',
      );
      return { data, winnerId: verdict.winner as string, names };
    },
  );

  await step('Compute ROI and the cost forecast', async () => {
    const { data } = comparison;
    table(
      [
        'model',
        'spend',
        'per 1k tokens',
        'quality',
        'quality per $',
        'cost/success',
        '30-day forecast',
      ],
      data.nodes.map((node: Json) => [
        node.name,
        usd(node.usage.totalCostUsd, 2),
        usd(node.usage.costPer1kTokens),
        fixed(node.roi.meanQuality),
        node.roi.qualityPerDollar === null ? null : count(Math.round(node.roi.qualityPerDollar)),
        usd(node.roi.costPerSuccessfulRequest),
        node.costForecast.forecastUsd === null
          ? null
          : `${usd(node.costForecast.forecastUsd, 2)} (${usd(node.costForecast.forecastLowUsd, 2)}-${usd(node.costForecast.forecastHighUsd, 2)})`,
      ]),
    );
    const frontier = data.roiFrontier;
    say(
      `\n   Cost/quality frontier: ${frontier.frontier.map((e: Json) => e.model.name).join(', ')}`,
    );
    say(
      `   Cheapest within 0.02 of the best quality: ${frontier.cheapestWithinTolerance?.name ?? '-'}`,
    );
  });

  const winnerSpec = MODELS.find((spec) => ids.models[spec.name]?.id === comparison.winnerId);
  assert(winnerSpec, 'the winner is one of the demo models');
  const winnerVersionId = ids.models[winnerSpec.name]?.versions[
    winnerSpec.servingVersion
  ] as string;
  const winnerLabel = `${winnerSpec.name} ${winnerSpec.servingVersion}`;

  const governance = await step(
    `Request approval for ${winnerLabel} and run the compliance checks`,
    async () => {
      const version = (await gql(VersionGovernance, { id: winnerVersionId })).node;
      // SECURITY wants a verified artifact and an owner: upload the model card through the artifact API.
      const hasCard = version.artifacts.edges.some(
        (edge: Json) => edge.node.name === 'MODEL_CARD.md' && edge.node.status === 'COMPLETE',
      );
      if (!hasCard) {
        const card = new TextEncoder().encode(
          `# ${winnerLabel}\n\nOwner: ${MODEL_CARD_OWNER}\nIntended use: ${INTENDED_USE}\nProvider model: ${winnerSpec.providerModel}\n`,
        );
        const created = payload(
          (
            await gql(ArtifactUploadCreate, {
              input: {
                versionId: winnerVersionId,
                name: 'MODEL_CARD.md',
                kind: 'MODEL_CARD',
                contentType: 'text/markdown',
                sizeBytes: card.byteLength,
                sha256: createHash('sha256').update(card).digest('hex'),
              },
            })
          ).artifactUploadCreate,
          'ArtifactUploadCreatePayload',
        );
        const put = await fetch(`${BASE_URL}${created.artifact.upload.url}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${getAdminToken()}`, 'content-type': 'text/markdown' },
          body: card,
        });
        assert(
          put.status === 201,
          `the model card upload answered ${put.status}: ${await put.text()}`,
        );
        say('   Uploaded MODEL_CARD.md (checksummed by the Worker and R2)');
      } else {
        say('   MODEL_CARD.md already uploaded');
      }

      const approvals = version.approvals.edges.map((edge: Json) => edge.node);
      const approved = approvals.find((a: Json) => a.state === 'APPROVED');
      if (approved) {
        say(
          `   Already approved by ${approved.reviewer?.name} at ${approved.reviewedAt}: reusing that approval`,
        );
        printChecks((await gql(ApprovalChecks, { id: approved.id })).node.checks);
        return { approvalId: approved.id as string, pending: false };
      }
      let approvalId: string;
      const pending = approvals.find((a: Json) => a.state === 'PENDING');
      if (pending) {
        approvalId = pending.id;
        say('   A pending request exists (an earlier run stopped): reusing it');
      } else {
        const requested = payload(
          (
            await gql(ApprovalRequest, {
              input: {
                versionId: winnerVersionId,
                checks: ['GDPR', 'AI_ACT', 'FAIRNESS', 'SECURITY'],
                notes: `Won the A/B test ${EXPERIMENT}`,
                evidence: {
                  fairness: FAIRNESS_EVIDENCE,
                  aiAct: { intendedUse: INTENDED_USE, uses: ['INTERACTS_WITH_PEOPLE'] },
                },
              },
            })
          ).approvalRequest,
          'ApprovalRequestPayload',
        );
        approvalId = requested.approval.id;
        say('   approvalRequest ran the checks at once:');
        printChecks(requested.checks);
      }
      // The chat assistant talks to people (AI Act Art. 50): attach the transparency evidence and
      // re-run the checks on the pending request.
      const rerun = payload(
        (
          await gql(ComplianceCheckRun, {
            input: {
              approvalId,
              evidence: {
                aiAct: {
                  intendedUse: INTENDED_USE,
                  uses: ['INTERACTS_WITH_PEOPLE'],
                  obligations: [
                    {
                      obligation: 'TRANSPARENCY',
                      evidence:
                        'The chat widget says "You are chatting with an AI assistant" before the first answer',
                    },
                  ],
                },
              },
            },
          })
        ).complianceCheckRun,
        'ComplianceCheckRunPayload',
      );
      say('\n   complianceCheckRun with the transparency evidence:');
      printChecks(rerun.approval.checks);
      const failed = rerun.approval.checks.filter((check: Json) => check.status === 'FAILED');
      assert(
        failed.length === 0,
        `no check failed (${failed.map((c: Json) => c.type).join(', ')})`,
      );
      return { approvalId, pending: true };
    },
  );

  await step(`Review, approve and promote ${winnerLabel} to production`, async () => {
    if (governance.pending) {
      const reviewer = await ensureReviewer();
      try {
        const reviewed = payload(
          (
            await gql(
              ApprovalReview,
              {
                input: {
                  approvalId: governance.approvalId,
                  decision: 'APPROVE',
                  notes: 'A/B winner; checks clean; transparency notice verified in staging',
                },
              },
              reviewer.token,
            )
          ).approvalReview,
          'ApprovalReviewPayload',
        );
        say(`   Approved by ${reviewed.approval.reviewer.name} at ${reviewed.approval.reviewedAt}`);
      } finally {
        payload(
          (await gql(ApiTokenRevoke, { input: { id: reviewer.tokenId } })).apiTokenRevoke,
          'ApiTokenRevokePayload',
        );
      }
    }
    const version = (await gql(VersionGovernance, { id: winnerVersionId })).node;
    if (version.isProduction) {
      say(`   ${winnerLabel} is already production: nothing to move`);
      return;
    }
    const promoted = payload(
      (
        await gql(ModelVersionPromote, {
          input: { versionId: winnerVersionId, reason: `Won ${EXPERIMENT} on quality; approved` },
        })
      ).modelVersionPromote,
      'ModelVersionPromotePayload',
    );
    assert(promoted.modelVersion.isProduction, 'the promoted version is production');
    say(
      `   ${winnerLabel} is now production${promoted.previousVersion ? ` (was ${promoted.previousVersion.version})` : ''}`,
    );
  });

  await step(`Lineage of ${winnerLabel}`, async () => {
    const version = (await gql(Lineage, { id: winnerVersionId })).node;
    const graph = version.lineage;
    say(
      `   ${graph.totalNodes} nodes, ${graph.totalEdges} edges, depth ${graph.depthReached}${graph.isTruncated ? ' (truncated)' : ''}:`,
    );
    table(
      ['kind', 'node', 'depth'],
      graph.nodeInfo.map((info: Json) => [info.kind, info.label, info.depth]),
    );
    say('\n   Mermaid (paste into any Mermaid renderer):\n');
    say(graph.mermaid.trimEnd().replace(/^/gm, '    '));
    say(`\n   In a browser: ${BASE_URL}/lineage/${encodeURIComponent(winnerVersionId)}`);
    assert(graph.totalNodes >= 5, 'the lineage reaches datasets, deployments and the reviewer');
  });

  if (CHECK) {
    await step('Re-send every request: nothing may be recorded twice', async () => {
      const before = await requestCounts(ids, countsFrom);
      const outcome = await track(traffic);
      const after = await requestCounts(ids, countsFrom);
      assert(outcome.recorded === 0, `no request recorded again (got ${outcome.recorded})`);
      assert(outcome.deduplicated === traffic.length, 'every request deduplicated');
      for (const spec of MODELS) {
        assert(before.get(spec.name) === after.get(spec.name), `${spec.name}: count unchanged`);
      }
    });
    console.log(`demo check passed (${viewer.organization.name} at ${BASE_URL})`);
  } else {
    say(`\nDone. Run it again: everything is found by name and no request is recorded twice.`);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
