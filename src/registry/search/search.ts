import { parseJson } from '../json.ts';

/** Longest card text embedded; bge-base reads 512 tokens, and the local embedder needs no more. */
export const MAX_CARD_LENGTH = 8000;
const MAX_METADATA_TEXT = 3000;
const INTENDED_USE_KEYS = ['intended_use', 'intendedUse', 'use_case', 'useCase'];

/** What a model card is built from (a row of findCardSources). */
export interface ModelCardSource {
  model_name: string;
  model_description: string | null;
  version_description: string | null;
  /** JSON array of strings. */
  tags: string;
  model_metadata: string | null;
  version_metadata: string | null;
  provider: string | null;
  framework: string | null;
  model_type: string | null;
  /** JSON array of the names of the version's live training datasets. */
  datasets: string | null;
}

/** One ranked result of a similarity search. */
export interface SimilarityMatch {
  versionId: string;
  score: number;
}

/**
 * The model card text of a version, as embedded: model name, descriptions, tags, provider,
 * framework and type, intended use, training datasets, then the rest of the metadata as
 * "key: value" lines. Version strings are left out: "1.4.0" says nothing about what a model does.
 */
export function modelCardText(row: ModelCardSource): string {
  const modelMetadata = parseJson<Record<string, unknown>>(row.model_metadata) ?? {};
  const versionMetadata = parseJson<Record<string, unknown>>(row.version_metadata) ?? {};
  const tags = JSON.parse(row.tags) as string[];
  const datasets = JSON.parse(row.datasets ?? '[]') as string[];
  const intendedUse = [modelMetadata, versionMetadata]
    .flatMap((metadata) => INTENDED_USE_KEYS.map((key) => metadata[key]))
    .filter((value): value is string => typeof value === 'string' && value.trim() !== '');
  const lines = [
    `Model: ${row.model_name}`,
    row.model_description ? `Description: ${row.model_description}` : null,
    row.version_description ? `Version notes: ${row.version_description}` : null,
    tags.length ? `Tags: ${tags.join(', ')}` : null,
    row.model_type ? `Type: ${row.model_type}` : null,
    row.framework ? `Framework: ${row.framework}` : null,
    row.provider ? `Provider: ${row.provider}` : null,
    intendedUse.length ? `Intended use: ${intendedUse.join('; ')}` : null,
    datasets.length ? `Training datasets: ${datasets.join(', ')}` : null,
    metadataText(modelMetadata, versionMetadata),
  ];
  return lines
    .filter((line): line is string => Boolean(line))
    .join('\n')
    .slice(0, MAX_CARD_LENGTH);
}

const SKIPPED_KEYS = new Set([...INTENDED_USE_KEYS, 'tags', 'provider', 'framework', 'model_type']);

function metadataText(...sources: Record<string, unknown>[]): string | null {
  const lines: string[] = [];
  const visit = (value: unknown, key: string, depth: number) => {
    if (value === null || value === undefined || depth > 3) return;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      lines.push(`${key.replace(/[_.]/g, ' ')}: ${String(value)}`);
    } else if (Array.isArray(value)) {
      const scalars = value.filter((item) => typeof item !== 'object' || item === null);
      if (scalars.length) lines.push(`${key.replace(/[_.]/g, ' ')}: ${scalars.join(', ')}`);
    } else if (typeof value === 'object') {
      for (const [child, inner] of Object.entries(value as Record<string, unknown>)) {
        visit(inner, key ? `${key} ${child}` : child, depth + 1);
      }
    }
  };
  for (const metadata of sources) {
    for (const [key, value] of Object.entries(metadata)) {
      if (!SKIPPED_KEYS.has(key)) visit(value, key, 1);
    }
  }
  const text = lines.join('\n').slice(0, MAX_METADATA_TEXT);
  return text || null;
}
