import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../../context.ts';

const cache = createContextCache(
  (_context: Context) => new Map<string, DataLoader<string, unknown>>(),
);

/**
 * A DataLoader per request and per argument set (a metric and a time range, say): every parent of a
 * list that asks the same question is answered by one batched call, so a page of 100 models costs
 * the same statements as one.
 */
export function keyedLoader<V>(
  context: Context,
  key: string,
  load: (ids: readonly string[]) => Promise<readonly V[]>,
): DataLoader<string, V> {
  const loaders = cache(context);
  let loader = loaders.get(key) as DataLoader<string, V> | undefined;
  if (!loader) {
    loader = new DataLoader<string, V>(async (ids) => load(ids));
    loaders.set(key, loader as DataLoader<string, unknown>);
  }
  return loader;
}

const requestTime = createContextCache((_context: Context) => new Date());

/**
 * "Now" for default time ranges, fixed once per request: every parent of a list then asks the same
 * question (same range), so they share one loader and one statement.
 */
export function requestNow(context: Context): Date {
  return requestTime(context);
}
