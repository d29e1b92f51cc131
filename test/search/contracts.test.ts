// The port contracts against the local implementations (the default for `npm start` and tests).
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/client.ts';
import { LOCAL_DIMENSIONS, LocalEmbedder, words } from '../../src/ports/local-embedder.ts';
import {
  decodeVector,
  encodeVector,
  LocalVectorIndex,
  SCAN_CHUNK,
} from '../../src/ports/local-vector-index.ts';
import { searchPorts } from '../../src/ports/ports.ts';
import { axisVector, embedderContract, vectorIndexContract } from './port-contracts.ts';

embedderContract('local hashing embedder', () => new LocalEmbedder());
vectorIndexContract('local exact index on D1', () => ({
  index: new LocalVectorIndex(createDb(env.DB), env.DB, LOCAL_DIMENSIONS),
  dimensions: LOCAL_DIMENSIONS,
}));

describe('local implementations', () => {
  it('are what the Worker picks without AI and VECTORIZE bindings', () => {
    const ports = searchPorts({}, createDb(env.DB), env.DB);
    expect(ports.embedder.id).toBe('local-hashing-v1/768');
    expect(ports.vectorIndex.id).toBe('local-d1');
  });

  it('store vectors losslessly as base64 float32', () => {
    const vector = Float32Array.from({ length: 768 }, (_, i) => Math.sin(i) / 7);
    expect(decodeVector(encodeVector(vector))).toEqual(vector);
  });

  it('scan past one chunk, and a zero query vector matches nothing', async () => {
    const index = new LocalVectorIndex(createDb(env.DB), env.DB, 8);
    const orgId = `org-${crypto.randomUUID()}`;
    const count = SCAN_CHUNK + 5;
    const records = Array.from({ length: count }, (_, i) => ({
      id: `v${String(i).padStart(5, '0')}`,
      orgId,
      modelId: 'm',
      values: axisVector(8, i % 8, (i + 1) % 8, (i % 97) / 100),
    }));
    await index.upsert(records);
    // The best match sits in the second chunk.
    await index.upsert([{ id: 'v99999', orgId, modelId: 'm', values: axisVector(8, 3, 4, 0.001) }]);
    const [best] = await index.query({ orgId, vector: axisVector(8, 3, 4, 0.001), topK: 1 });
    expect(best?.id).toBe('v99999');
    expect(await index.query({ orgId, vector: new Float32Array(8), topK: 5 })).toEqual([]);
  });

  it('tokenises model-card text without stopwords, folding plurals', () => {
    expect(words('The Classifiers of Reviews, for e-commerce!')).toEqual([
      'classifier',
      'review',
      'e',
      'commerce',
    ]);
  });
});
