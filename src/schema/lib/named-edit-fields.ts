// The input fields datasetUpdate, deploymentUpdate and experimentUpdate share (the edit of
// src/registry/lifecycle/named-update.ts), worded for each kind.
import type { builder } from '../builder.ts';
import { MetadataModeEnum } from '../objects/enums.ts';
import { IDEMPOTENCY_KEY_DESCRIPTION } from './idempotency.ts';

type InputFields = Parameters<NonNullable<Parameters<typeof builder.inputType>[1]['fields']>>[0];

/** idempotencyKey, name, description, metadata, metadataMode, expectedUpdatedAt and reason. */
export function namedEditFields(t: InputFields, noun: string) {
  return {
    idempotencyKey: t.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    name: t.string({
      description: `A new name, unique among the organization’s ${noun}s (a taken one is a ConflictError on name). The old name is free afterwards and finds nothing; the audit trail keeps both.`,
    }),
    description: t.string({ description: 'A new description; "" or null clears it.' }),
    metadata: t.field({
      type: 'JSON',
      description:
        'A JSON object: merged into the metadata (RFC 7386: null removes a key) or replacing it, per metadataMode; null clears it.',
    }),
    metadataMode: t.field({
      type: MetadataModeEnum,
      description: 'How metadata applies (default MERGE).',
    }),
    expectedUpdatedAt: t.field({
      type: 'DateTime',
      description: `Optimistic concurrency: the updatedAt you read. If the ${noun} changed since, nothing is written and a ConflictError on this field says when.`,
    }),
    reason: t.string({ description: 'Why, for the audit trail.' }),
  };
}
