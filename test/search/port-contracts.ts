// The Embedder and VectorIndex contracts, written against the ports only, so that they run against
// any implementation: the local ones here (contracts.test.ts), Workers AI and Vectorize when bound
// (pass their instances; for Vectorize, give `settle` a wait, since its writes apply asynchronously).
import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/ports/embedder.ts';
import { MAX_TOP_K, type VectorIndex } from '../../src/ports/vector-index.ts';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

export function embedderContract(name: string, make: () => Embedder) {
  describe(`Embedder contract: ${name}`, () => {
    it('gives one unit-length vector of `dimensions` floats per text, in order', async () => {
      const embedder = make();
      const texts = [
        'weights for a tokenizer',
        'image segmentation',
        'fraud detection on payments',
      ];
      const vectors = await embedder.embed(texts);
      expect(vectors).toHaveLength(3);
      for (const vector of vectors) {
        expect(vector).toBeInstanceOf(Float32Array);
        expect(vector.length).toBe(embedder.dimensions);
        expect(Math.hypot(...vector)).toBeCloseTo(1, 4);
      }
      const [single] = await embedder.embed([texts[1] as string]);
      expect(cosine(single as Float32Array, vectors[1] as Float32Array)).toBeCloseTo(1, 4);
    });

    it('is deterministic: the same text gives the same vector', async () => {
      const embedder = make();
      const [a] = await embedder.embed(['A classifier of customer review sentiment']);
      const [b] = await make().embed(['A classifier of customer review sentiment']);
      expect(cosine(a as Float32Array, b as Float32Array)).toBeCloseTo(1, 5);
    });

    it('puts related texts closer than unrelated ones', async () => {
      const [query, related, unrelated] = await make().embed([
        'sentiment analysis of product reviews',
        'classifies customer reviews of products by sentiment',
        'semantic segmentation of satellite imagery',
      ]);
      expect(cosine(query as Float32Array, related as Float32Array)).toBeGreaterThan(
        cosine(query as Float32Array, unrelated as Float32Array) + 0.1,
      );
    });

    it('embeds an empty list to nothing and refuses more than maxBatch texts', async () => {
      const embedder = make();
      expect(await embedder.embed([])).toEqual([]);
      const tooMany = Array.from({ length: embedder.maxBatch + 1 }, (_, i) => `text ${i}`);
      await expect(embedder.embed(tooMany)).rejects.toThrow(RangeError);
    });
  });
}

/** A unit vector pointing mostly along `axis`, with a small lean toward `lean`. */
export function axisVector(dimensions: number, axis: number, lean = -1, amount = 0): Float32Array {
  const vector = new Float32Array(dimensions);
  vector[axis] = 1;
  if (lean >= 0) vector[lean] = amount;
  const norm = Math.hypot(...vector);
  return vector.map((value) => value / norm);
}

export function vectorIndexContract(
  name: string,
  make: () => { index: VectorIndex; dimensions: number },
  settle: () => Promise<void> = async () => {},
) {
  describe(`VectorIndex contract: ${name}`, () => {
    const org = () => `org-${crypto.randomUUID()}`;

    it('returns the nearest vectors first with cosine scores, at most topK', async () => {
      const { index, dimensions } = make();
      const orgId = org();
      await index.upsert([
        { id: 'a', orgId, modelId: 'm1', values: axisVector(dimensions, 0) },
        { id: 'b', orgId, modelId: 'm1', values: axisVector(dimensions, 0, 1, 0.5) },
        { id: 'c', orgId, modelId: 'm2', values: axisVector(dimensions, 1) },
        { id: 'd', orgId, modelId: 'm3', values: axisVector(dimensions, 2) },
      ]);
      await settle();
      const matches = await index.query({ orgId, vector: axisVector(dimensions, 0), topK: 3 });
      expect(matches.map((match) => match.id)).toEqual(['a', 'b', expect.any(String)]);
      expect(matches[0]?.score).toBeCloseTo(1, 4);
      expect(matches[1]?.score).toBeCloseTo(1 / Math.hypot(1, 0.5), 4);
      expect(matches[0]?.modelId).toBe('m1');
      const all = await index.query({ orgId, vector: axisVector(dimensions, 0), topK: 50 });
      expect(all).toHaveLength(4);
      for (let i = 1; i < all.length; i++) {
        expect(all[i - 1]?.score).toBeGreaterThanOrEqual(all[i]?.score as number);
      }
    });

    it('never returns another organization’s vectors', async () => {
      const { index, dimensions } = make();
      const mine = org();
      const theirs = org();
      await index.upsert([
        { id: 'theirs-exact', orgId: theirs, modelId: 'x', values: axisVector(dimensions, 5) },
        { id: 'mine-far', orgId: mine, modelId: 'y', values: axisVector(dimensions, 6) },
      ]);
      await settle();
      const matches = await index.query({
        orgId: mine,
        vector: axisVector(dimensions, 5),
        topK: 10,
      });
      expect(matches.map((match) => match.id)).toEqual(['mine-far']);
      expect(
        await index.query({ orgId: org(), vector: axisVector(dimensions, 5), topK: 10 }),
      ).toEqual([]);
    });

    it('replaces a vector upserted again under the same id, and forgets deleted ones', async () => {
      const { index, dimensions } = make();
      const orgId = org();
      await index.upsert([{ id: 'v', orgId, modelId: 'm', values: axisVector(dimensions, 3) }]);
      await index.upsert([{ id: 'v', orgId, modelId: 'm', values: axisVector(dimensions, 4) }]);
      await settle();
      const [match] = await index.query({ orgId, vector: axisVector(dimensions, 4), topK: 1 });
      expect(match).toMatchObject({ id: 'v' });
      expect(match?.score).toBeCloseTo(1, 4);
      await index.delete(orgId, ['v', 'never-existed']);
      await settle();
      expect(await index.query({ orgId, vector: axisVector(dimensions, 4), topK: 1 })).toEqual([]);
    });

    it('filters by model: only some, or all but some', async () => {
      const { index, dimensions } = make();
      const orgId = org();
      await index.upsert([
        { id: 'p', orgId, modelId: 'm1', values: axisVector(dimensions, 7) },
        { id: 'q', orgId, modelId: 'm2', values: axisVector(dimensions, 7, 8, 0.2) },
        { id: 'r', orgId, modelId: 'm3', values: axisVector(dimensions, 7, 8, 0.4) },
      ]);
      await settle();
      const vector = axisVector(dimensions, 7);
      const only = await index.query({ orgId, vector, topK: 10, modelIds: ['m2', 'm3'] });
      expect(only.map((match) => match.id)).toEqual(['q', 'r']);
      const without = await index.query({ orgId, vector, topK: 10, excludeModelIds: ['m1'] });
      expect(without.map((match) => match.id)).toEqual(['q', 'r']);
      const [many] = await index.queryMany([{ orgId, vector, topK: 10, excludeModelIds: ['m1'] }]);
      expect(many?.map((match) => match.id)).toEqual(['q', 'r']);
    });

    it('answers several queries at once exactly as one by one', async () => {
      const { index, dimensions } = make();
      const orgId = org();
      await index.upsert(
        Array.from({ length: 12 }, (_, i) => ({
          id: `n${String(i).padStart(2, '0')}`,
          orgId,
          modelId: `m${i % 3}`,
          values: axisVector(dimensions, i % 4, 10 + i, 0.3),
        })),
      );
      await settle();
      const queries = [0, 1, 2].map((axis) => ({
        orgId,
        vector: axisVector(dimensions, axis),
        topK: 4,
        excludeModelIds: [`m${axis}`],
      }));
      const together = await index.queryMany(queries);
      for (const [i, query] of queries.entries()) {
        expect(together[i]).toEqual(await index.query(query));
      }
    });

    it('refuses topK outside 1..100, wrong dimensions and oversized filters', async () => {
      const { index, dimensions } = make();
      const vector = axisVector(dimensions, 0);
      for (const topK of [0, -1, MAX_TOP_K + 1, 1.5]) {
        await expect(index.query({ orgId: org(), vector, topK })).rejects.toThrow(RangeError);
      }
      await expect(
        index.query({ orgId: org(), vector: new Float32Array(dimensions + 1), topK: 1 }),
      ).rejects.toThrow(RangeError);
      const modelIds = Array.from({ length: 51 }, (_, i) => `m${i}`);
      await expect(index.query({ orgId: org(), vector, topK: 1, modelIds })).rejects.toThrow(
        RangeError,
      );
      await expect(
        index.upsert([{ id: 'x', orgId: org(), modelId: 'm', values: new Float32Array(3) }]),
      ).rejects.toThrow(RangeError);
    });
  });
}
