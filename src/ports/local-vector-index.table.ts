/** The local VectorIndex's storage: one row per vector, in D1 (Vectorize has no local mode). */
export interface VectorEntryTable {
  org_id: string;
  id: string;
  model_id: string;
  dimensions: number;
  /** Base64 of the L2-normalised little-endian float32 values. */
  vector: string;
  updated_at: string;
}
