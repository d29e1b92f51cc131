import * as z from 'zod/mini';
import {
  IDEMPOTENCY_TTL_MS,
  MAX_IDEMPOTENCY_KEY_LENGTH,
} from '../../registry/idempotency/idempotency.service.ts';
import { ERROR_CODES } from './errors.ts';
import type { RouteDef } from './route.ts';

type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, Record<string, unknown>>;
  required?: string[];
};

/** JSON Schema (2020-12, which OpenAPI 3.1 uses as is) of what a client sends or receives. */
function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'path'],
      properties: {
        code: { type: 'string', enum: [...ERROR_CODES] },
        message: { type: 'string', description: 'What went wrong, for people.' },
        path: {
          type: 'array',
          items: { type: 'string' },
          description:
            'The request part and field the error is about, e.g. ["body", "model_type"] or ["params", "id"]; empty when about the whole request.',
        },
      },
      additionalProperties: true,
    },
  },
} as const;

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'The request is malformed (VALIDATION_ERROR, EDGE_NOT_ALLOWED).',
  '401': 'No API token, or an unknown, revoked or expired one (UNAUTHENTICATED).',
  '403': 'Your role does not allow this route (FORBIDDEN).',
  '404': 'A referenced node does not exist or belongs to another organization (NOT_FOUND).',
  '409': 'The change collides with existing state (CONFLICT, LINEAGE_CYCLE, APPROVAL_REQUIRED).',
};

/** Errors only some routes answer, by operationId. */
const ROUTE_ERROR_RESPONSES: Record<string, Record<string, string>> = {
  inferenceTrack: {
    '402':
      'An enforced budget refused the request: it would take the period’s spend past the limit (BUDGET_EXCEEDED).',
  },
};

function parameters(where: 'path' | 'query', schema: z.ZodMiniType | undefined) {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input');
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: propertySchema,
    };
  });
}

/** The `Idempotency-Key` header every POST, PATCH and DELETE route accepts (the router's rules, docs/limits-and-security.md "Idempotency"). */
const IDEMPOTENCY_KEY_PARAMETER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: `Optional, 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, no control characters nor whitespace around it. The same key with the same request (path, query and body) within ${IDEMPOTENCY_TTL_MS / 3_600_000} hours replays the first 2xx answer (status and body, with Idempotent-Replayed: true) and writes nothing; with another request it is 409 CONFLICT on ["headers", "Idempotency-Key"]. The key is stored in the same D1 batch as the change.`,
  schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
} as const;

/** The OpenAPI 3.1 document of the REST routes, printed from the route table's zod schemas. */
export function buildOpenApiDocument(routes: readonly RouteDef[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const openApiPath = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const status = String(route.status ?? 200);
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      description: `GraphQL: \`${route.graphql}\`. Requires the ${route.scope} scope.`,
      tags: [route.tag],
      'x-graphql': route.graphql,
      'x-live': Boolean(route.handler),
      security: [{ bearer: [] }],
      parameters: [
        ...parameters('path', route.params),
        ...parameters('query', route.query),
        ...(route.method !== 'GET' ? [IDEMPOTENCY_KEY_PARAMETER] : []),
      ],
      responses: {
        [status]: {
          description: 'Success.',
          content: {
            'application/json': {
              schema: route.response ? jsonSchema(route.response, 'output') : {},
            },
          },
        },
        ...Object.fromEntries(
          Object.entries({
            ...ERROR_RESPONSES,
            ...ROUTE_ERROR_RESPONSES[route.operationId],
          }).map(([code, description]) => [
            code,
            {
              description,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
          ]),
        ),
      },
    };
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
      };
    }
    paths[openApiPath] ??= {};
    (paths[openApiPath] as Record<string, unknown>)[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Model Registry REST API',
      version: '1.0.0',
      description:
        'The original REST routes, served beside the GraphQL API at /graphql and mapped one to one onto its operations (same services, auth and organization scoping). Every id in a path or body is a GraphQL global ID, as GraphQL returns it. Bodies use snake_case field names.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (mr_...) as "Authorization: Bearer <token>".',
        },
      },
      schemas: { Error: ERROR_SCHEMA },
    },
    paths,
  };
}
