// Workers AI behind the Embedder port: bge-base-en-v1.5, 768 dimensions. Only the production
// environment binds AI (it has no local mode); ports.ts picks this when the binding exists.
import { type Embedder, normalize } from './embedder.ts';

export const WORKERS_AI_EMBEDDING_MODEL = '@cf/baai/bge-base-en-v1.5';

export class WorkersAiEmbedder implements Embedder {
  readonly id = `${WORKERS_AI_EMBEDDING_MODEL}/768`;
  readonly dimensions = 768;
  // Workers AI takes up to 100 texts per bge request.
  readonly maxBatch = 100;

  private readonly ai: Ai;

  constructor(ai: Ai) {
    this.ai = ai;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length > this.maxBatch) {
      throw new RangeError(`At most ${this.maxBatch} texts per call`);
    }
    if (texts.length === 0) return [];
    const output = (await this.ai.run(WORKERS_AI_EMBEDDING_MODEL, { text: [...texts] })) as {
      data?: number[][];
    };
    const data = output.data ?? [];
    if (data.length !== texts.length) {
      throw new Error(`Workers AI returned ${data.length} embeddings for ${texts.length} texts`);
    }
    return data.map((values) => {
      if (values.length !== this.dimensions) {
        throw new Error(`Workers AI returned ${values.length} dimensions, not ${this.dimensions}`);
      }
      return normalize(Float32Array.from(values));
    });
  }
}
