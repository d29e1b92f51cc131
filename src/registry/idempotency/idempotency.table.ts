export interface IdempotencyKeyTable {
  id: string;
  org_id: string;
  /** A GraphQL mutation name ("modelRegister") or a REST route ("POST /api/models"). */
  scope: string;
  key: string;
  /** SHA-256 (hex) of the canonical JSON of the input without its key. */
  request_hash: string;
  state: string;
  /** The first result as JSON text; null only while a REST reservation is PENDING. */
  response: string | null;
  response_status: number | null;
  response_type: string | null;
  created_at: string;
  expires_at: string;
}
