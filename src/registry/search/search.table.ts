export interface ModelVersionEmbeddingTable {
  version_id: string;
  org_id: string;
  model_id: string;
  card_generation: number;
  embedded_generation: number;
  card_hash: string | null;
  embedder: string | null;
  embedded_at: string | null;
}

export interface VectorEntryTable {
  org_id: string;
  id: string;
  model_id: string;
  dimensions: number;
  /** Base64 of the L2-normalised little-endian float32 values. */
  vector: string;
  updated_at: string;
}
