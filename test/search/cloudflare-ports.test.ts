// The Cloudflare implementations of the ports (Workers AI embedder, Vectorize index) against
// in-test fakes of the AI and VECTORIZE binding interfaces (cloudflare-fakes.ts): the same port
// contracts as the local implementations, the request shapes our code sends, and how it maps the
// answers. These are fakes of the binding interfaces as documented, not the services: they prove
// our side of the interface, not Workers AI's embeddings or Vectorize's ranking.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import { WorkersAiEmbedder } from '../../src/ports/cloudflare-embedder.ts';
import { VectorizeVectorIndex } from '../../src/ports/cloudflare-vector-index.ts';
import { embedText } from '../../src/ports/local-embedder.ts';
import { searchPorts } from '../../src/ports/ports.ts';
import { searchModelVersions, similarVersions } from '../../src/registry/search/search.service.ts';
import { seedModel, seedVersion, viewerOf } from '../helpers/fixtures.ts';
import { createTestOrg, type TestOrg } from '../helpers/graphql.ts';
import { BGE_BASE, FakeAi, FakeVectorize } from './cloudflare-fakes.ts';
import { axisVector, embedderContract, vectorIndexContract } from './port-contracts.ts';

const DIMENSIONS = 768;

function workersAi() {
  const ai = new FakeAi((text) => embedText(text, DIMENSIONS));
  return { ai, embedder: new WorkersAiEmbedder(ai as unknown as Ai) };
}

function vectorize(metadataIndexes?: readonly string[]) {
  const binding = new FakeVectorize(DIMENSIONS, metadataIndexes);
  return {
    binding,
    index: new VectorizeVectorIndex(binding as unknown as VectorizeIndex, DIMENSIONS),
  };
}

embedderContract('Workers AI (bge-base) on a fake AI binding', () => workersAi().embedder);

let latest: FakeVectorize | null = null;
vectorIndexContract(
  'Vectorize on a fake VECTORIZE binding',
  () => {
    const { binding, index } = vectorize();
    latest = binding;
    return { index, dimensions: DIMENSIONS };
  },
  // Vectorize applies writes asynchronously; the fake applies them here.
  async () => latest?.settle(),
);

describe('Workers AI embedder: requests and answers', () => {
  it('sends one run(bge-base, { text: [...] }) per batch, and no request for no text', async () => {
    const { ai, embedder } = workersAi();
    expect(embedder.id).toBe(`${BGE_BASE}/768`);
    expect(embedder.dimensions).toBe(768);
    await embedder.embed(['one text']);
    await embedder.embed(['a', 'b', 'c']);
    await embedder.embed([]);
    expect(ai.calls).toEqual([
      { model: BGE_BASE, inputs: { text: ['one text'] } },
      { model: BGE_BASE, inputs: { text: ['a', 'b', 'c'] } },
    ]);
  });

  it('maps data rows to unit-length Float32Arrays, in order', async () => {
    const { embedder } = workersAi();
    const [first, second] = await embedder.embed(['sentiment of reviews', 'satellite imagery']);
    // The fake answers 2.5 x the hashed vector: the embedder normalizes it back.
    expect(Array.from(first as Float32Array)).toEqual(
      Array.from(embedText('sentiment of reviews', DIMENSIONS)).map((v) => expect.closeTo(v, 5)),
    );
    expect(Math.hypot(...(second as Float32Array))).toBeCloseTo(1, 5);
  });

  it('refuses more than 100 texts before calling, and malformed answers after', async () => {
    const { ai, embedder } = workersAi();
    const tooMany = Array.from({ length: 101 }, (_, i) => `t${i}`);
    await expect(embedder.embed(tooMany)).rejects.toThrow(RangeError);
    expect(ai.calls).toHaveLength(0);
    ai.nextResponse = { shape: [1, 768], data: [Array(768).fill(0.1)] };
    await expect(embedder.embed(['x', 'y'])).rejects.toThrow(/returned 1 embeddings for 2 texts/);
    ai.nextResponse = { shape: [1, 384], data: [Array(384).fill(0.1)] };
    await expect(embedder.embed(['x'])).rejects.toThrow(/384 dimensions, not 768/);
    ai.nextResponse = {};
    await expect(embedder.embed(['x'])).rejects.toThrow(/returned 0 embeddings/);
  });
});

describe('Vectorize index: requests and answers', () => {
  it('upserts plain arrays with the organization and model in metadata, 1,000 per call', async () => {
    const { binding, index } = vectorize();
    const records = Array.from({ length: 2500 }, (_, i) => ({
      id: `v${i}`,
      orgId: 'org-1',
      modelId: `m${i % 7}`,
      values: axisVector(DIMENSIONS, i % DIMENSIONS),
    }));
    await index.upsert(records);
    const upserts = binding.calls.filter((call) => call.method === 'upsert');
    expect(upserts.map((call) => (call.args[0] as unknown[]).length)).toEqual([1000, 1000, 500]);
    const [first] = (upserts[0]?.args[0] ?? []) as {
      id: string;
      values: unknown;
      metadata: unknown;
    }[];
    expect(first).toEqual({
      id: 'v0',
      values: Array.from(records[0]?.values as Float32Array),
      metadata: { orgId: 'org-1', modelId: 'm0' },
    });
    expect(Array.isArray(first?.values)).toBe(true);
  });

  it('queries with topK, indexed metadata and an $eq filter on the organization', async () => {
    const { binding, index } = vectorize();
    const vector = axisVector(DIMENSIONS, 3);
    await index.query({ orgId: 'org-1', vector, topK: 7 });
    await index.query({ orgId: 'org-1', vector, topK: 100, modelIds: ['m1', 'm2'] });
    await index.query({ orgId: 'org-1', vector, topK: 5, excludeModelIds: ['m3'] });
    const queries = binding.calls.filter((call) => call.method === 'query');
    expect(queries.map((call) => call.args[1])).toEqual([
      { topK: 7, returnMetadata: 'indexed', filter: { orgId: { $eq: 'org-1' } } },
      {
        topK: 100,
        returnMetadata: 'indexed',
        filter: { orgId: { $eq: 'org-1' }, modelId: { $in: ['m1', 'm2'] } },
      },
      {
        topK: 5,
        returnMetadata: 'indexed',
        filter: { orgId: { $eq: 'org-1' }, modelId: { $nin: ['m3'] } },
      },
    ]);
    expect(queries[0]?.args[0]).toEqual(Array.from(vector));
  });

  it('maps matches to { id, modelId, score } best first, and drops any of another organization', async () => {
    const { binding, index } = vectorize();
    await index.upsert([
      { id: 'near', orgId: 'org-1', modelId: 'm1', values: axisVector(DIMENSIONS, 0, 1, 0.1) },
      { id: 'far', orgId: 'org-1', modelId: 'm2', values: axisVector(DIMENSIONS, 0, 1, 2) },
    ]);
    await binding.settle();
    const matches = await index.query({
      orgId: 'org-1',
      vector: axisVector(DIMENSIONS, 0),
      topK: 5,
    });
    expect(matches).toEqual([
      { id: 'near', modelId: 'm1', score: expect.closeTo(1 / Math.hypot(1, 0.1), 5) },
      { id: 'far', modelId: 'm2', score: expect.closeTo(1 / Math.hypot(1, 2), 5) },
    ]);
    // Even if the binding answered with a vector of another organization, it is not passed on.
    const original = binding.query.bind(binding);
    binding.query = async (vector, options) => {
      const answer = await original(vector, options);
      return {
        count: answer.count + 1,
        matches: [
          { id: 'foreign', score: 0.99, metadata: { orgId: 'org-2', modelId: 'x' } },
          ...answer.matches,
        ],
      };
    };
    const guarded = await index.query({
      orgId: 'org-1',
      vector: axisVector(DIMENSIONS, 0),
      topK: 5,
    });
    expect(guarded.map((match) => match.id)).toEqual(['near', 'far']);
  });

  it('deletes by ids in chunks of 1,000', async () => {
    const { binding, index } = vectorize();
    await index.delete(
      'org-1',
      Array.from({ length: 1500 }, (_, i) => `v${i}`),
    );
    const deletes = binding.calls.filter((call) => call.method === 'deleteByIds');
    expect(deletes.map((call) => (call.args[0] as string[]).length)).toEqual([1000, 500]);
  });

  it('finds nothing by organization without the orgId metadata index (the README set-up step)', async () => {
    const { binding, index } = vectorize([]);
    await index.upsert([
      { id: 'a', orgId: 'org-1', modelId: 'm', values: axisVector(DIMENSIONS, 0) },
    ]);
    await binding.settle();
    expect(
      await index.query({ orgId: 'org-1', vector: axisVector(DIMENSIONS, 0), topK: 1 }),
    ).toEqual([]);
  });
});

describe('search through the Cloudflare ports (fakes of the bindings)', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg('cf-ports');
    const corpus = [
      ['review-sentiment', 'Classifies the sentiment of customer product reviews.'],
      ['tweet-sentiment', 'Sentiment analysis of tweets about products.'],
      ['roof-segmentation', 'Semantic segmentation of roofs in satellite imagery.'],
    ] as const;
    for (const [name, description] of corpus) {
      const model = await seedModel(org, name, { description });
      await seedVersion(org, model.id, '1.0.0');
    }
  });

  it('are what the Worker picks when both AI and VECTORIZE are bound, and only then', () => {
    const db = createDb(env.DB);
    const ai = new FakeAi((text) => embedText(text));
    const index = new FakeVectorize(DIMENSIONS);
    const both = searchPorts(
      { AI: ai as unknown as Ai, VECTORIZE: index as unknown as VectorizeIndex },
      db,
      env.DB,
    );
    expect([both.embedder.id, both.vectorIndex.id]).toEqual([`${BGE_BASE}/768`, 'vectorize']);
    const aiOnly = searchPorts({ AI: ai as unknown as Ai }, db, env.DB);
    expect(aiOnly.vectorIndex.id).toBe('local-d1');
  });

  it('embeds stale cards through AI, upserts them to Vectorize, and ranks once Vectorize has applied the writes', async () => {
    const { ai, embedder } = workersAi();
    const { binding, index } = vectorize();
    const deps = { db: createDb(env.DB), d1: env.DB, embedder, vectorIndex: index };
    const viewer = viewerOf(org, 'VIEWER');
    // The first search embeds the three cards (one AI batch) and queries before Vectorize has
    // applied them: Vectorize is eventually consistent, so that search finds nothing yet.
    const first = await searchModelVersions(deps, viewer, { text: 'sentiment of product reviews' });
    expect(first).toEqual([]);
    expect(ai.calls[0]?.inputs).toEqual({ text: expect.arrayContaining([expect.any(String)]) });
    expect((ai.calls[0]?.inputs as { text: string[] } | undefined)?.text).toHaveLength(3);
    expect(binding.pendingWrites).toBe(1);
    await binding.settle();
    const ranked = await searchModelVersions(deps, viewer, {
      text: 'sentiment of product reviews',
      topK: 2,
    });
    expect(ranked.map((r) => r.modelVersion.id)).toHaveLength(2);
    const names = await Promise.all(
      ranked.map((r) =>
        env.DB.prepare('SELECT name FROM model WHERE id = ?')
          .bind(r.modelVersion.modelId)
          .first<{ name: string }>(),
      ),
    );
    expect(names.map((n) => n?.name)).toEqual(['review-sentiment', 'tweet-sentiment']);
    // Nothing was re-embedded the second time: the cards had not changed.
    expect(
      ai.calls.filter((call) => (call.inputs as { text: string[] }).text.length > 1),
    ).toHaveLength(1);
    const [similar] = await similarVersions(deps, viewer, [ranked[0]?.modelVersion.id as string], {
      topK: 1,
    });
    expect(similar?.map((r) => r.modelVersion.id)).toEqual([ranked[1]?.modelVersion.id]);
  });
});
