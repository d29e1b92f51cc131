// biome-ignore-all lint/suspicious/noExplicitAny: response shapes are checked by the assertions
// Organization.usage: the organization-wide spend view per model, provider, API token and day,
// checked against sums over the raw requests, on a range whose edges are not whole hours.
import { describe, expect, it } from 'vitest';
import { fieldOf, globalId, seedModel } from '../helpers/fixtures.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';

const Usage = /* GraphQL */ `
  query OrgUsage($by: OrganizationUsageBy!, $from: DateTime, $to: DateTime) {
    organization {
      usage(by: $by, from: $from, to: $to) {
        key requests totalCostUsd unpricedRequests
        model { name }
        apiToken { name }
      }
    }
  }
`;

const Track = /* GraphQL */ `
  mutation Track($input: InferenceTrackInput!) {
    inferenceTrack(input: $input) { __typename ... on Error { message path } }
  }
`;

describe('Organization.usage', () => {
  it('sums spend by model, provider, token and day, the range edges included', async () => {
    const org = await createTestOrg('org-usage');
    const a = await seedModel(org, 'org-usage-a');
    const b = await seedModel(org, 'org-usage-b');
    const dayStart = Date.UTC(2026, 10, 20);
    const at = (hours: number, minutes = 0) =>
      new Date(dayStart + hours * 3_600_000 + minutes * 60_000).toISOString();
    const request = (model: string, provider: string, cost: number | null, timestamp: string) => ({
      modelId: globalId('Model', model),
      provider,
      providerModel: 'm',
      latencyMs: 10,
      inputTokens: 1,
      outputTokens: 1,
      status: 'SUCCESS',
      timestamp,
      ...(cost === null ? {} : { costUsd: cost }),
    });
    const send = (token: string, requests: unknown[]) =>
      gql(token, Track, { input: { requests } }).then((r) =>
        expect(fieldOf(r, 'inferenceTrack').__typename).toBe('InferenceTrackPayload'),
      );
    await send(org.tokens.EDITOR, [
      request(a.id, 'openai', 1, at(0, 10)), // before the range
      request(a.id, 'openai', 2, at(0, 40)), // in the partial first hour
      request(a.id, 'anthropic', 3, at(5)),
      request(b.id, 'openai', null, at(30)), // the next day, unpriced
    ]);
    await send(org.admin.token, [request(b.id, 'openai', 4, at(47, 50))]); // partial last hour
    const range = { from: at(0, 30), to: at(47, 55) };
    const by = async (grouping: string) =>
      fieldOf(await gql(org.tokens.VIEWER, Usage, { by: grouping, ...range }), 'organization')
        .usage;

    expect(await by('MODEL')).toEqual([
      expect.objectContaining({
        key: a.id,
        requests: 2,
        totalCostUsd: 5,
        model: { name: 'org-usage-a' },
      }),
      expect.objectContaining({ key: b.id, requests: 2, totalCostUsd: 4, unpricedRequests: 1 }),
    ]);
    expect((await by('PROVIDER')).map((g: any) => [g.key, g.requests, g.totalCostUsd])).toEqual([
      ['openai', 3, 6],
      ['anthropic', 1, 3],
    ]);
    expect((await by('DAY')).map((g: any) => [g.key, g.requests, g.totalCostUsd])).toEqual([
      ['2026-11-20', 2, 5],
      ['2026-11-21', 2, 4],
    ]);
    const tokens = await by('API_TOKEN');
    expect(tokens.map((g: any) => [g.requests, g.totalCostUsd])).toEqual([
      [3, 5],
      [1, 4],
    ]);
  });
});
