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
