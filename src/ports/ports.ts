// Picks the Embedder and VectorIndex from the Worker's bindings, with no code change between
// environments: the production environment binds AI and VECTORIZE (wrangler.jsonc), the local one
// does not, and then the local implementations run on D1.
import type { Db } from '../db/db.ts';
import { WorkersAiEmbedder } from './cloudflare-embedder.ts';
import { VectorizeVectorIndex } from './cloudflare-vector-index.ts';
import type { Embedder } from './embedder.ts';
import { LocalEmbedder } from './local-embedder.ts';
import { LocalVectorIndex } from './local-vector-index.ts';
import type { VectorIndex } from './vector-index.ts';

export interface SearchPorts {
  embedder: Embedder;
  vectorIndex: VectorIndex;
}

export function searchPorts(
  env: { AI?: Ai; VECTORIZE?: VectorizeIndex },
  db: Db,
  d1: D1Database,
): SearchPorts {
  // Both or neither: vectors of one embedder must not be searched with the other's queries.
  if (env.AI && env.VECTORIZE) {
    const embedder = new WorkersAiEmbedder(env.AI);
    return { embedder, vectorIndex: new VectorizeVectorIndex(env.VECTORIZE, embedder.dimensions) };
  }
  const embedder = new LocalEmbedder();
  return { embedder, vectorIndex: new LocalVectorIndex(db, d1, embedder.dimensions) };
}
