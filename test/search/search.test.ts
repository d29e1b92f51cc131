// Similarity search through the API: a small hand-made corpus where the obvious neighbours are
// known, organization scoping, embedding refresh when a card changes, argument validation, and the
// cost of `similar` on a list of versions.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fieldOf,
  globalId,
  seedDataset,
  seedModel,
  seedVersion,
  topLevelError,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';

const ModelsSearch = /* GraphQL */ `
  query ModelsSearch($text: String!, $topK: Int) {
    modelsSearch(text: $text, topK: $topK) {
      score
      modelVersion { id version model { name } }
    }
  }
`;

const Similar = /* GraphQL */ `
  query Similar($id: ID!, $topK: Int, $filter: SimilarFilter) {
    node(id: $id) {
      ... on ModelVersion {
        similar(topK: $topK, filter: $filter) { score modelVersion { id version model { name } } }
      }
    }
  }
`;

const VersionsWithSimilar = /* GraphQL */ `
  query VersionsWithSimilar($first: Int!) {
    models(first: $first) {
      edges { node { versions(first: 5) { edges { node { version similar(topK: 3) { score modelVersion { version model { name } } } } } } } }
    }
  }
`;

const CORPUS: { name: string; description: string; tags: string[]; datasets?: string[] }[] = [
  {
    name: 'review-sentiment',
    description: 'Classifies the sentiment of customer product reviews as positive or negative.',
    tags: ['nlp', 'sentiment', 'classification'],
    datasets: ['amazon-product-reviews'],
  },
  {
    name: 'tweet-sentiment',
    description: 'Sentiment analysis of tweets and short social media posts about products.',
    tags: ['nlp', 'sentiment'],
  },
  {
    name: 'support-triage',
    description: 'Routes customer support tickets to the right team.',
    tags: ['nlp', 'routing'],
  },
  {
    name: 'street-segmentation',
    description: 'Semantic segmentation of street scene images for autonomous driving.',
    tags: ['vision', 'segmentation'],
    datasets: ['cityscapes'],
  },
  {
    name: 'aerial-segmentation',
    description: 'Semantic segmentation of satellite and aerial images into land cover classes.',
    tags: ['vision', 'segmentation', 'satellite'],
  },
  {
    name: 'speech-to-text',
    description: 'Transcribes spoken English audio recordings to text.',
    tags: ['audio', 'asr'],
  },
  {
    name: 'card-fraud',
    description: 'Detects fraudulent credit card transactions in tabular payment data.',
    tags: ['tabular', 'anomaly-detection'],
  },
];

let org: TestOrg;
let other: TestOrg;
const versions = new Map<string, string>();

beforeAll(async () => {
  org = await createTestOrg('search');
  other = await createTestOrg('search-other');
  for (const entry of CORPUS) {
    const model = await seedModel(org, entry.name, {
      description: entry.description,
      tags: entry.tags,
    });
    const trainedOn = [];
    for (const name of entry.datasets ?? []) {
      trainedOn.push({ datasetId: (await seedDataset(org, name)).id });
    }
    const version = await seedVersion(org, model.id, '1.0.0', { trainedOn });
    versions.set(entry.name, globalId('ModelVersion', version.id));
  }
  // Another organization holds a model card identical to review-sentiment's.
  const twin = await seedModel(other, 'review-sentiment', {
    description: CORPUS[0]?.description,
    tags: CORPUS[0]?.tags,
  });
  await seedVersion(other, twin.id, '1.0.0');
});

async function search(token: string, text: string, topK?: number) {
  return fieldOf(await gql(token, ModelsSearch, { text, topK }), 'modelsSearch') as {
    score: number;
    modelVersion: { id: string; model: { name: string } };
  }[];
}

async function similar(id: string, args: { topK?: number; filter?: unknown } = {}) {
  const node = fieldOf(await gql(org.tokens.VIEWER, Similar, { id, ...args }), 'node');
  return node.similar as {
    score: number;
    modelVersion: { id: string; version: string; model: { name: string } };
  }[];
}

const names = (results: { modelVersion: { model: { name: string } } }[]) =>
  results.map((result) => result.modelVersion.model.name);

describe('modelsSearch', () => {
  it('ranks the obvious matches first, with decreasing scores', async () => {
    const reviews = await search(org.tokens.VIEWER, 'sentiment of product reviews', 3);
    expect(names(reviews).slice(0, 2)).toEqual(['review-sentiment', 'tweet-sentiment']);
    expect(reviews).toHaveLength(3);
    for (let i = 1; i < reviews.length; i++) {
      expect(reviews[i - 1]?.score).toBeGreaterThanOrEqual(reviews[i]?.score as number);
    }
    const aerial = await search(org.tokens.VIEWER, 'segment satellite images by land cover', 2);
    expect(names(aerial)).toEqual(['aerial-segmentation', 'street-segmentation']);
    const speech = await search(org.tokens.VIEWER, 'speech recognition for audio', 1);
    expect(names(speech)).toEqual(['speech-to-text']);
    const byDataset = await search(org.tokens.VIEWER, 'trained on cityscapes', 1);
    expect(names(byDataset)).toEqual(['street-segmentation']);
  });

  it('returns only the caller’s organization', async () => {
    const mine = await search(org.tokens.VIEWER, CORPUS[0]?.description as string, 100);
    expect(mine.map((r) => r.modelVersion.id)).toContain(versions.get('review-sentiment'));
    expect(mine).toHaveLength(CORPUS.length);
    const theirs = await search(other.tokens.VIEWER, CORPUS[0]?.description as string, 100);
    expect(names(theirs)).toEqual(['review-sentiment']);
    expect(theirs[0]?.modelVersion.id).not.toBe(versions.get('review-sentiment'));
  });

  it('validates text and topK as top-level BAD_USER_INPUT errors', async () => {
    for (const [variables, argument] of [
      [{ text: '' }, 'text'],
      [{ text: '   ' }, 'text'],
      [{ text: 'x'.repeat(2001) }, 'text'],
      [{ text: 'ok', topK: 0 }, 'topK'],
      [{ text: 'ok', topK: -3 }, 'topK'],
      [{ text: 'ok', topK: 101 }, 'topK'],
    ] as const) {
      const error = topLevelError(await gql(org.tokens.VIEWER, ModelsSearch, variables));
      expect(error.extensions?.code, JSON.stringify(variables)).toBe('BAD_USER_INPUT');
      expect(error.extensions?.argument, JSON.stringify(variables)).toBe(argument);
    }
    expect(await search(org.tokens.VIEWER, 'ok', 100)).toHaveLength(CORPUS.length);
    // Text without a searchable word embeds to zero and matches nothing.
    expect(await search(org.tokens.VIEWER, '!!! ...')).toEqual([]);
  });

  it('requires a token', async () => {
    const response = await gql(null, ModelsSearch, { text: 'sentiment' });
    expect(response.status).toBe(401);
  });
});

describe('ModelVersion.similar', () => {
  it('puts the obvious neighbours first and never the version itself', async () => {
    const reviews = await similar(versions.get('review-sentiment') as string, { topK: 2 });
    expect(names(reviews)).toEqual(['tweet-sentiment', expect.any(String)]);
    const street = await similar(versions.get('street-segmentation') as string, { topK: 1 });
    expect(names(street)).toEqual(['aerial-segmentation']);
    const all = await similar(versions.get('card-fraud') as string, { topK: 100 });
    expect(all).toHaveLength(CORPUS.length - 1);
    expect(names(all)).not.toContain('card-fraud');
  });

  it('lists other versions of the same model only with includeSameModel, and filters by model', async () => {
    const modelId = await env.DB.prepare('SELECT model_id FROM model_version WHERE id = ?')
      .bind(atob(versions.get('review-sentiment') as string).split(':')[1])
      .first<{ model_id: string }>();
    await seedVersion(org, modelId?.model_id as string, '1.1.0');
    const id = versions.get('review-sentiment') as string;
    const without = await similar(id, { topK: 3 });
    expect(without.map((r) => r.modelVersion.version)).not.toContain('1.1.0');
    const withSame = await similar(id, { topK: 3, filter: { includeSameModel: true } });
    expect(withSame[0]?.modelVersion).toMatchObject({
      version: '1.1.0',
      model: { name: 'review-sentiment' },
    });
    const aerialModel = globalId(
      'Model',
      (
        await env.DB.prepare(
          "SELECT id FROM model WHERE org_id = ? AND name = 'aerial-segmentation'",
        )
          .bind(org.orgId)
          .first<{ id: string }>()
      )?.id as string,
    );
    const only = await similar(id, { topK: 5, filter: { modelIds: [aerialModel] } });
    expect(names(only)).toEqual(['aerial-segmentation']);
  });

  it('validates topK and the filter', async () => {
    const id = versions.get('support-triage') as string;
    for (const [args, argument] of [
      [{ topK: 0 }, 'topK'],
      [{ topK: 101 }, 'topK'],
      [
        {
          filter: {
            modelIds: Array.from({ length: 51 }, () => globalId('Model', crypto.randomUUID())),
          },
        },
        'filter.modelIds',
      ],
    ] as const) {
      const error = topLevelError(await gql(org.tokens.VIEWER, Similar, { id, ...args }));
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.extensions?.argument).toBe(argument);
    }
    const badId = topLevelError(
      await gql(org.tokens.VIEWER, Similar, { id, filter: { modelIds: ['nonsense'] } }),
    );
    expect(badId.extensions?.code).toBe('NOT_FOUND');
  });

  it('costs a fixed number of D1 statements, for 3 versions as for all of them', async () => {
    // Warm: the first request may re-embed versions changed by earlier tests.
    await gql(org.tokens.VIEWER, VersionsWithSimilar, { first: 3 });
    const few = await gql(org.tokens.VIEWER, VersionsWithSimilar, { first: 3 });
    const many = await gql(org.tokens.VIEWER, VersionsWithSimilar, { first: 7 });
    expect(few.errors).toBeUndefined();
    expect(many.errors).toBeUndefined();
    const lists: { node: { similar: unknown[] } }[] = many.data?.models.edges.flatMap(
      (e: { node: { versions: { edges: unknown[] } } }) => e.node.versions.edges,
    );
    expect(lists.length).toBeGreaterThanOrEqual(7);
    for (const entry of lists) expect(entry.node.similar.length).toBeGreaterThan(0);
    // Fixed per level, whatever the number of versions: token, models, versions, refresh check,
    // cards, one scan, matched versions, their models. The larger page can be cheaper: its
    // matches' models are already loaded.
    expect(few.statements).toBeLessThanOrEqual(8);
    expect(many.statements).toBeLessThanOrEqual(few.statements);
  });
});

describe('embedding refresh', () => {
  async function state(versionGlobalId: string) {
    return env.DB.prepare(
      'SELECT card_generation, embedded_generation, card_hash, embedder FROM model_version_embedding WHERE version_id = ?',
    )
      .bind(atob(versionGlobalId).split(':')[1])
      .first<{
        card_generation: number;
        embedded_generation: number;
        card_hash: string;
        embedder: string;
      }>();
  }

  it('re-embeds a version when a training dataset is linked to it', async () => {
    const model = await seedModel(org, 'mystery-model', { description: 'An internal model.' });
    const version = await seedVersion(org, model.id, '1.0.0');
    const id = globalId('ModelVersion', version.id);
    const rank = async () =>
      (await search(org.tokens.VIEWER, 'satellite land cover imagery', 100)).findIndex(
        (r) => r.modelVersion.id === id,
      );
    const before = await rank();
    const embedded = await state(id);
    expect(embedded?.embedded_generation).toBe(embedded?.card_generation);
    expect(embedded?.embedder).toBe('local-hashing-v1/768');

    const dataset = await seedDataset(org, 'satellite-land-cover-imagery');
    const added = await gql(
      org.tokens.EDITOR,
      /* GraphQL */ `
      mutation ($input: LineageEdgeAddInput!) { lineageEdgeAdd(input: $input) { __typename } }
    `,
      {
        input: { type: 'TRAINED_ON', fromId: id, toId: globalId('Dataset', dataset.id) },
      },
    );
    expect(added.data?.lineageEdgeAdd.__typename).toBe('LineageEdgePayload');
    const stale = await state(id);
    expect(stale?.card_generation).toBe((embedded?.card_generation as number) + 1);
    expect(stale?.embedded_generation).toBe(embedded?.card_generation);

    const after = await rank();
    expect(after).toBeLessThan(before);
    expect(after).toBeLessThanOrEqual(1);
    const refreshed = await state(id);
    expect(refreshed?.embedded_generation).toBe(refreshed?.card_generation);
    expect(refreshed?.card_hash).not.toBe(embedded?.card_hash);
  });

  it('re-embeds when any writer changes a model’s card, and not when nothing in it changed', async () => {
    const model = await seedModel(org, 'renamed-later', { description: 'Predicts churn.' });
    const version = await seedVersion(org, model.id, '1.0.0');
    const id = globalId('ModelVersion', version.id);
    await search(org.tokens.VIEWER, 'anything');
    const first = await state(id);
    // Touching updated_at (alias moves do) is not a card change.
    await env.DB.prepare('UPDATE model SET updated_at = ? WHERE id = ?')
      .bind(new Date().toISOString(), model.id)
      .run();
    expect((await state(id))?.card_generation).toBe(first?.card_generation);
    // A description change by any writer (a future modelUpdate, a migration) is.
    await env.DB.prepare('UPDATE model SET description = ? WHERE id = ?')
      .bind('Transcribes spoken English audio recordings to text, again.', model.id)
      .run();
    expect((await state(id))?.card_generation).toBe((first?.card_generation as number) + 1);
    const results = await search(org.tokens.VIEWER, 'transcribe spoken audio', 2);
    expect(names(results)).toContain('renamed-later');
  });
});
