import { DateTimeResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars';
import { builder } from './builder.ts';

builder.addScalarType('DateTime', DateTimeResolver, {
  description: 'An instant in UTC, as an ISO-8601 string such as 2026-11-26T10:00:00.000Z.',
});
builder.addScalarType('JSON', JSONResolver, {
  description: 'Any JSON value: metadata, edge properties, audit snapshots.',
});
builder.addScalarType('SafeInt', SafeIntResolver, {
  description:
    'A whole number up to 2^53 - 1 in magnitude (what JavaScript holds exactly): metric steps, which MLflow logs as int64.',
});
