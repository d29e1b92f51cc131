// Internal errors are masked in every environment unless EXPOSE_ERRORS="true": a real failure
// (the database refusing a statement, with SQL and internals in its message) reaches the client
// as "Unexpected error." with no stack, SQL or originalError.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createTestOrg } from '../helpers/graphql.ts';
import { fetchWorker, graphqlRequest } from './worker-client.ts';

const SECRET = 'D1_ERROR: no such column: secret_7f3a at offset 42 (host db-internal-3)';

/**
 * The test database, except that any statement reading the model table fails as D1 does, with
 * internals in the message. Authentication (api_token, user) still works.
 */
function failingModelReads(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'prepare') {
        return (sql: string) => {
          if (/from\s+"?model"?\b/i.test(sql)) throw new Error(`${SECRET}: ${sql}`);
          return target.prepare(sql);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const Models = /* GraphQL */ `
  query Models {
    models(first: 5) { edges { node { name } } }
  }
`;

async function modelsWithFailingDatabase(vars: Record<string, unknown>) {
  const org = await createTestOrg();
  const response = await fetchWorker(graphqlRequest(org.tokens.VIEWER, { query: Models }), {
    DB: failingModelReads(env.DB),
    ...vars,
  });
  return { status: response.status, text: await response.text() };
}

describe('error masking', () => {
  it.each([
    ['the test configuration', {}],
    ['production', { ENVIRONMENT: 'production' }],
    [
      'development with EXPOSE_ERRORS unset',
      { ENVIRONMENT: 'development', EXPOSE_ERRORS: undefined },
    ],
    ['an EXPOSE_ERRORS that is not "true"', { EXPOSE_ERRORS: 'yes please' }],
  ])('masks an internal error in %s', async (_name, vars) => {
    // when the database fails under a query
    const { status, text } = await modelsWithFailingDatabase(vars);

    // then the client learns only that something went wrong, and where
    const body = JSON.parse(text);
    expect(status).toBe(200);
    expect(body).toEqual({
      data: null,
      errors: [
        {
          message: 'Unexpected error.',
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
          locations: [{ line: 3, column: 5 }],
          path: ['models'],
        },
      ],
    });
    expect(text).not.toMatch(/secret_7f3a|D1_ERROR|select|stack|originalError|\.ts:\d+/i);
  });

  it('shows the error to a developer who sets EXPOSE_ERRORS="true"', async () => {
    const { text } = await modelsWithFailingDatabase({ EXPOSE_ERRORS: 'true' });
    const body = JSON.parse(text);
    expect(body.errors[0].message).toContain('secret_7f3a');
    expect(body.errors[0].path).toEqual(['models']);
    expect(body.errors[0].extensions.originalError.message).toContain('secret_7f3a');
    expect(body.errors[0].extensions.originalError.stack).toContain('listModels');
  });
});
