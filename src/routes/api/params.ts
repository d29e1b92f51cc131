// Request pieces several route groups share: page sizes, time ranges, case-insensitive enums, and
// the model a path names.
import * as z from 'zod/mini';
import '../../zod-locale.ts';
import type { Context } from '../../context.ts';
import { decodeIdOf } from '../../global-id.ts';
import { NotFoundError } from '../../registry/errors.ts';
import { type ResolvedVersion, resolveVersionOfModel } from '../../registry/model/model.service.ts';
import type { Model } from '../../registry/model/model.ts';
import { modelsByIds } from '../../registry/model/model-read.service.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../registry/paging.ts';
import { globalIdOf } from './present.ts';

export const jsonObject = z
  .record(z.string(), z.unknown())
  .check(z.describe('A JSON object (up to 64 KiB once serialized).'));

export const limit = z
  ._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_PAGE_SIZE)), DEFAULT_PAGE_SIZE)
  .check(z.describe(`Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`));

/** One of `values`, in any letter case (`latency`, `LATENCY`). */
export function anyCaseEnum<const T extends readonly [string, ...string[]]>(
  values: T,
  description: string,
) {
  return z.pipe(
    z.pipe(
      z.string().check(z.describe(`${description} One of ${values.join(', ')} (any case).`)),
      z.transform((value) => value.toUpperCase()),
    ),
    z.enum(values),
  );
}

/** Epoch numbers below this are seconds (until the year 5138), others milliseconds. */
const EPOCH_MILLISECONDS_FROM = 1e11;

const ISO_TIME = z.iso.datetime({ offset: true });

/**
 * A time, as the seed's clients and today's send it: ISO-8601 with a zone
 * (`2026-11-01T00:00:00Z`), or epoch seconds or milliseconds (a JSON number or a string of
 * digits, e.g. `?start=1234567890`), told apart by size. As a Date.
 */
export function isoTime(description: string) {
  return z.pipe(
    z
      .union([z.number(), z.string()])
      .check(
        z.describe(
          `${description} ISO-8601 with a zone (2026-11-01T00:00:00Z), or epoch seconds (1234567890) or milliseconds (1234567890000).`,
        ),
      ),
    z.transform((value, context) => {
      if (typeof value === 'number' || /^\d+(\.\d+)?$/.test(value)) {
        const epoch = Number(value);
        const date = new Date(epoch < EPOCH_MILLISECONDS_FROM ? epoch * 1000 : epoch);
        if (Number.isFinite(epoch) && epoch >= 0 && !Number.isNaN(date.getTime())) return date;
        context.issues.push({
          code: 'custom',
          message: 'Not a time: a negative or too large epoch',
          input: value,
        });
        return z.NEVER;
      }
      const parsed = ISO_TIME.safeParse(value);
      if (parsed.success) return new Date(parsed.data);
      for (const issue of parsed.error.issues) {
        context.issues.push({ ...issue, code: 'custom', input: value });
      }
      return z.NEVER;
    }),
  );
}

/** `?start=&end=`: the range [start, end); both optional (default: the 30 days before now). */
export const rangeQuery = {
  start: z.optional(isoTime('Start (inclusive); default 30 days before end.')),
  end: z.optional(isoTime('End (exclusive); default now.')),
};

/** `?name=`: the name of a CUSTOM metric, with `?type=CUSTOM`. */
export const customName = z
  .optional(z.string())
  .check(z.describe('The name of a CUSTOM metric (lowercase, e.g. "bleu"); only with CUSTOM.'));

/** Where the services' range errors (`from`, `to`) point in a `?start=&end=` query. */
export const RANGE_QUERY_PATHS = { from: ['query', 'start'], to: ['query', 'end'] } as const;

export const ModelIdParams = z.object({ modelId: globalIdOf('Model') });

/** The model a path names, in the caller's organization, or NOT_FOUND on that parameter. */
export async function modelOfPath(
  context: Context,
  id: string,
  parameter = 'modelId',
): Promise<Model> {
  const rowId = decodeIdOf(id, ['Model'], ['params', parameter]).id;
  const [model] = await modelsByIds(context.deps, context.viewer, [rowId]);
  if (!model) throw new NotFoundError('No model with this id', ['params', parameter], id);
  return model;
}

/**
 * One page of a list read with `limit: size + 1`: its first `size` rows, and the cursor of the next
 * page (made from the last row kept) when the extra row says there is one.
 */
export function pageOf<T>(
  rows: readonly T[],
  size: number,
  cursor: (last: T) => string,
): { page: T[]; next_cursor: string | null } {
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return { page, next_cursor: rows.length > size && last !== undefined ? cursor(last) : null };
}

/** A `?after=` cursor of an id-ordered list: the global ID of the last item of the previous page. */
export function afterId(after: string | undefined, kind: string): string | null {
  return after === undefined ? null : decodeIdOf(after, [kind], ['query', 'after']).id;
}

/**
 * The version a body names: its `version_id`, or, in the seed's shape, the version its `model_id`
 * means (resolveVersionOfModel: production, else the newest), with the rule that chose it. Errors
 * name body.version_id or body.model_id.
 */
export async function versionOfBody(
  context: Context,
  body: { version_id: string } | { model_id: string },
): Promise<{ versionId: string; resolved: ResolvedVersion | null }> {
  if ('version_id' in body) {
    return {
      versionId: decodeIdOf(body.version_id, ['ModelVersion'], ['body', 'version_id']).id,
      resolved: null,
    };
  }
  const resolved = await resolveVersionOfModel(context.db, context.viewer.orgId, {
    modelId: decodeIdOf(body.model_id, ['Model'], ['body', 'model_id']).id,
  });
  return { versionId: resolved.version.id, resolved };
}
