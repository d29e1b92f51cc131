export interface WebhookTable {
  id: string;
  org_id: string;
  url: string;
  description: string | null;
  /** JSON array of WebhookEventType names. */
  events: string;
  /** JSON arrays, NULL when not filtering on that attribute. */
  filter_model_ids: string | null;
  filter_aliases: string | null;
  filter_environments: string | null;
  enabled: number;
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: string | null;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

export interface WebhookDeliveryTable {
  id: string;
  org_id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  http_status: number | null;
  latency_ms: number | null;
  response_excerpt: string | null;
  next_attempt_at: string | null;
  enqueued_at: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface WebhookEventActionTable {
  action: string;
  event_type: string;
}
