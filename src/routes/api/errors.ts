import type * as z from 'zod/mini';
import { UnauthenticatedError } from '../../auth/unauthenticated.ts';
import { encodeGlobalID } from '../../global-id.ts';
import { ChecksumMismatchError, UploadExpiredError } from '../../registry/artifact/artifact.ts';
import { BudgetExceededError } from '../../registry/budget/budget.service.ts';
import {
  ConflictError,
  EdgeNotAllowedError,
  ForbiddenError,
  LineageCycleError,
  NotFoundError,
  RegistryError,
  ValidationError,
} from '../../registry/errors.ts';
import { ApprovalRequiredError } from '../../registry/governance/governance-errors.ts';
import { snakeCase } from './route.ts';

export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'EDGE_NOT_ALLOWED'
  | 'LINEAGE_CYCLE'
  | 'APPROVAL_REQUIRED'
  | 'BUDGET_EXCEEDED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'METHOD_NOT_ALLOWED'
  | 'INTERNAL'
  // Only the artifact byte routes (src/routes/artifacts.ts) answer these, so ERROR_CODES (the
  // /api routes' OpenAPI enum) leaves them out.
  | 'CHECKSUM_MISMATCH'
  | 'UPLOAD_EXPIRED';

export const ERROR_CODES: readonly ErrorCode[] = [
  'VALIDATION_ERROR',
  'NOT_FOUND',
  'CONFLICT',
  'EDGE_NOT_ALLOWED',
  'LINEAGE_CYCLE',
  'APPROVAL_REQUIRED',
  'BUDGET_EXCEEDED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'METHOD_NOT_ALLOWED',
  'INTERNAL',
];

/** An error the REST layer answers with: `{ error: { code, message, path, ...details } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly path: readonly string[] = [],
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toResponse(extraHeaders: Headers): Response {
    const headers = new Headers(extraHeaders);
    for (const [name, value] of Object.entries(this.headers)) headers.set(name, value);
    return Response.json(
      {
        error: { code: this.code, message: this.message, path: [...this.path], ...this.details },
      },
      { status: this.status, headers },
    );
  }
}

/**
 * A body that matches neither shape of a two-shape route (today's or the seed document's, see
 * `eitherShape` in params.ts) is reported by the shape it is closest to: the one with the fewest
 * issues, today's on a tie. So a mistake in either shape is named as in a one-shape route.
 */
function closestShapeIssues(issues: readonly z.core.$ZodIssue[]): readonly z.core.$ZodIssue[] {
  const [only] = issues;
  if (issues.length !== 1 || only?.code !== 'invalid_union' || only.errors.length === 0) {
    return issues;
  }
  const closest = only.errors.reduce((best, branch) =>
    branch.length < best.length ? branch : best,
  );
  return closestShapeIssues(
    closest.map((issue) => ({ ...issue, path: [...only.path, ...issue.path] })),
  );
}

/** The first zod issue, reported on `[part, ...issue path]` (part: params, query or body). */
export function validationError(part: string, error: z.core.$ZodError): ApiError {
  const issues = closestShapeIssues(error.issues);
  const [first] = issues;
  const path = [part, ...(first?.path ?? []).map(String)];
  return new ApiError(400, 'VALIDATION_ERROR', first?.message ?? 'Invalid request', path, {
    issues: issues.map((issue) => ({
      message: issue.message,
      path: [part, ...issue.path.map(String)],
    })),
  });
}

/** The parts of a request the REST layer's own errors name (`['params', 'id']`, `['body', 'name']`). */
const REQUEST_PARTS = new Set(['params', 'query', 'body', 'headers']);

/**
 * Where a service error path (relative to the service's input: `['modelType']`, `['tags', '3']`)
 * points in the request. `inputPaths` names the fields that came from elsewhere than the body
 * field of the same name in snake_case (`{ modelId: ['params', 'id'] }`, or for a nested field
 * `{ 'filter.tagsAll': ['query', 'tags'] }`, the longest matching prefix winning; `''` for an
 * error about the input as a whole). A route that passes its body as the service's input (`fromBody`) maps
 * every other field into `body`; a query-style route leaves it as the service named it. A path
 * that already names a request part comes from the REST layer itself and is kept.
 */
export function restPath(
  servicePath: readonly string[],
  inputPaths: Record<string, readonly string[]> = {},
  fromBody = false,
): string[] {
  const [field, ...rest] = servicePath;
  if (field !== undefined && REQUEST_PARTS.has(field)) return [...servicePath];
  for (let length = servicePath.length; length >= 1; length--) {
    const key = servicePath.slice(0, length).join('.');
    const mapped = Object.hasOwn(inputPaths, key) ? inputPaths[key] : undefined;
    if (mapped) return [...mapped, ...servicePath.slice(length).map(snakeCase)];
  }
  if (field === undefined && Object.hasOwn(inputPaths, '')) return [...(inputPaths[''] ?? [])];
  if (!fromBody) return [...servicePath];
  return field === undefined ? ['body'] : ['body', snakeCase(field), ...rest.map(snakeCase)];
}

/** Maps the registry's typed errors (the GraphQL error union members) onto status and code. */
export function fromThrown(
  error: unknown,
  inputPaths: Record<string, readonly string[]> = {},
  fromBody = false,
): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof UnauthenticatedError) {
    return new ApiError(
      401,
      'UNAUTHENTICATED',
      error.message,
      [],
      {},
      { 'WWW-Authenticate': 'Bearer' },
    );
  }
  if (!(error instanceof RegistryError)) {
    console.error(error);
    return new ApiError(500, 'INTERNAL', 'Unexpected error.');
  }
  const path = restPath(error.path, inputPaths, fromBody);
  if (error instanceof ValidationError) {
    return new ApiError(400, 'VALIDATION_ERROR', error.message, path);
  }
  if (error instanceof NotFoundError) {
    const resourceId =
      error.resourceId !== null && error.resourceKind !== null
        ? encodeGlobalID(error.resourceKind, error.resourceId)
        : error.resourceId;
    return new ApiError(404, 'NOT_FOUND', error.message, path, { resource_id: resourceId });
  }
  if (error instanceof ConflictError) return new ApiError(409, 'CONFLICT', error.message, path);
  if (error instanceof ForbiddenError) return new ApiError(403, 'FORBIDDEN', error.message, path);
  if (error instanceof EdgeNotAllowedError) {
    return new ApiError(400, 'EDGE_NOT_ALLOWED', error.message, path, {
      edge_type: error.edgeType,
      from_kind: error.fromKind,
      to_kind: error.toKind,
    });
  }
  if (error instanceof LineageCycleError) {
    return new ApiError(409, 'LINEAGE_CYCLE', error.message, path, {
      edge_type: error.edgeType,
      cycle: error.cycle.map((id) => encodeGlobalID(error.nodeKind, id)),
    });
  }
  if (error instanceof ApprovalRequiredError) {
    return new ApiError(409, 'APPROVAL_REQUIRED', error.message, path, {
      missing_checks: error.missingChecks,
      check_statuses: error.checkStatuses,
      approved_request_exists: error.approvedRequestExists,
      pending_approval_id: error.pendingApprovalId
        ? encodeGlobalID('Approval', error.pendingApprovalId)
        : null,
    });
  }
  if (error instanceof BudgetExceededError) {
    // 402 Payment Required: the request is well-formed, the budget refuses the spend.
    return new ApiError(402, 'BUDGET_EXCEEDED', error.message, path, {
      budget_id: encodeGlobalID('Budget', error.budget.id),
      scope: error.budget.scope,
      period: error.budget.period,
      period_start: error.periodStart.toISOString(),
      limit_usd: error.limitUsd,
      spent_usd: error.spentUsd,
      requested_usd: error.requestedUsd,
    });
  }
  // Only the artifact byte routes (src/routes/artifacts.ts) raise these two.
  if (error instanceof ChecksumMismatchError) {
    return new ApiError(422, 'CHECKSUM_MISMATCH', error.message, path, {
      checksum: error.checksum,
      expected: error.expected,
      actual: error.actual,
    });
  }
  if (error instanceof UploadExpiredError) {
    return new ApiError(410, 'UPLOAD_EXPIRED', error.message, path, {
      expired_at: error.expiredAt.toISOString(),
    });
  }
  // A registry error class this table does not know yet is still an expected failure.
  return new ApiError(400, 'VALIDATION_ERROR', error.message, path, { type: error.name });
}

/**
 * Runs a batch service whose errors name an item by index (`['3', 'inputTokens']`) and reports
 * them on that item of the body's list (`['body', 'requests', '3', 'tokens_input']`), renamed by
 * the item's own `fields` (items of one list may come in different shapes).
 */
export async function withItemBodyPaths<T>(
  run: () => Promise<T>,
  list: string,
  fieldsOf: (index: number) => Record<string, string>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    const [index, field, ...rest] = error.path;
    if (index === undefined || !/^\d+$/.test(index)) throw error;
    throw onBody(error, ['body', list, index], field, rest, fieldsOf(Number(index)));
  }
}

/**
 * Runs a service that reports errors under `prefix` (a batch of one sent as a plain body:
 * `['points', '0']`) and reports them on the body field instead, renamed by `fields`
 * where the REST body spells a field differently (`{ inputTokens: 'tokens_input' }`).
 */
export async function withBodyPaths<T>(
  run: () => Promise<T>,
  prefix: readonly string[],
  fields: Record<string, string> = {},
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    if (!prefix.every((segment, index) => error.path[index] === segment)) throw error;
    const [field, ...rest] = error.path.slice(prefix.length);
    throw onBody(error, ['body'], field, rest, fields);
  }
}

/** The error re-addressed to `at` in the body, its field renamed by `fields` or snake_cased. */
function onBody(
  error: RegistryError,
  at: readonly string[],
  field: string | undefined,
  rest: readonly string[],
  fields: Record<string, string>,
): ApiError {
  const path =
    field === undefined
      ? [...at]
      : [...at, fields[field] ?? snakeCase(field), ...rest.map(snakeCase)];
  const mapped = fromThrown(error);
  return new ApiError(mapped.status, mapped.code, mapped.message, path, mapped.details);
}
