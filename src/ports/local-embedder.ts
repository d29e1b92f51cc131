// The local default Embedder: a deterministic bag-of-features text embedding, no model weights and
// no network. Words, word pairs and character trigrams are hashed into 768 signed buckets (the
// "hashing trick"), weighted by 1 + ln(count) and L2-normalised. Texts sharing words or word pieces
// land close; it knows no synonyms, which Workers AI's bge model does. Same text, same vector, on
// every machine and run.
import { type Embedder, normalize } from './embedder.ts';

export const LOCAL_DIMENSIONS = 768;

const WORD_WEIGHT = 1;
const PAIR_WEIGHT = 0.6;
const TRIGRAM_WEIGHT = 0.35;

// Words that carry no meaning in a model card; left in, they would make every card alike.
const STOPWORDS = new Set(
  (
    'a an and are as at be by for from has have in into is it its of on or that the this to was ' +
    'were will with which who what when where how than then there these those their them they we ' +
    'you your our not no can may use used using via per over under about also such only other'
  ).split(' '),
);

/** Lowercase words (letters and digits), without stopwords, with a plural "s" dropped. */
export function words(text: string): string[] {
  const result: string[] = [];
  for (const raw of text
    .toLowerCase()
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)) {
    if (!raw || STOPWORDS.has(raw)) continue;
    const word =
      raw.length > 3 && /[^su]s$/.test(raw) && !/(ss|us|is)$/.test(raw) ? raw.slice(0, -1) : raw;
    result.push(word);
  }
  return result;
}

/** FNV-1a over the UTF-16 code units, then a murmur3 finaliser so that nearby strings spread. */
function hash(text: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function embedText(text: string, dimensions = LOCAL_DIMENSIONS): Float32Array {
  const features = new Map<string, { count: number; weight: number }>();
  const add = (feature: string, weight: number) => {
    const entry = features.get(feature);
    if (entry) entry.count += 1;
    else features.set(feature, { count: 1, weight });
  };
  const tokens = words(text);
  tokens.forEach((word, index) => {
    add(`w:${word}`, WORD_WEIGHT);
    const next = tokens[index + 1];
    if (next !== undefined) add(`p:${word} ${next}`, PAIR_WEIGHT);
    if (word.length >= 4) {
      const padded = `^${word}$`;
      for (let i = 0; i + 3 <= padded.length; i++)
        add(`t:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
    }
  });
  const vector = new Float32Array(dimensions);
  for (const [feature, { count, weight }] of features) {
    const bucket = hash(feature, 0) % dimensions;
    const sign = hash(feature, 0x9e3779b9) & 1 ? 1 : -1;
    vector[bucket] = (vector[bucket] as number) + sign * weight * (1 + Math.log(count));
  }
  return normalize(vector);
}

export class LocalEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  readonly maxBatch = 100;

  constructor(dimensions = LOCAL_DIMENSIONS) {
    this.dimensions = dimensions;
    this.id = `local-hashing-v1/${dimensions}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length > this.maxBatch) {
      throw new RangeError(`At most ${this.maxBatch} texts per call`);
    }
    return texts.map((text) => embedText(text, this.dimensions));
  }
}
