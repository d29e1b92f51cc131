// The example operations GraphiQL opens with (src/graphql/graphiql.ts): each is a valid operation against
// the schema, runs within the query limits, and is served in the page, with the local token in
// every tab only in development.
import { createExecutionContext, env, SELF } from 'cloudflare:test';
import {
  buildSchema,
  type DocumentNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  validate,
  visit,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import tour from '../../docs/tour.md?raw';
import readme from '../../README.md?raw';
import printedSchema from '../../schema.graphql?raw';
import { GRAPHIQL_DEFAULT_QUERY, GRAPHIQL_EXAMPLES } from '../../src/graphql/graphiql.ts';
import { yogaFor } from '../../src/graphql/yoga.ts';
import { schema } from '../../src/schema/index.ts';
import { createTestOrg } from '../helpers/graphql.ts';

/** What each capability's tab must show, by the fields its operations select. */
const REQUIRED_FIELDS: Record<string, string[]> = {
  registry: ['modelRegister', 'modelVersionCreate', 'models'],
  lineage: ['lineage', 'mermaid', 'impact', 'lineagePath'],
  governance: [
    'approvalRequest',
    'approvalReview',
    'complianceCheckRun',
    'governanceHistory',
    'pendingApprovals',
    'auditEvents',
    'modelVersionPromote',
  ],
  metrics: ['metricsRecord', 'metricStats', 'metricSeries', 'modelComparison', 'metricAlerts'],
  usage: ['inferenceTrack', 'usage', 'abTestCompare', 'roi', 'costForecast', 'roiFrontier'],
  'artifacts and search': ['artifactUploadCreate', 'similar', 'modelsSearch'],
};

function operationsOf(document: DocumentNode): OperationDefinitionNode[] {
  return document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION,
  );
}

function fieldsOf(document: DocumentNode): Set<string> {
  const fields = new Set<string>();
  visit(document, {
    Field(node) {
      fields.add(node.name.value);
    },
  });
  return fields;
}

/** The Worker's GraphiQL page, and the options it hands to GraphiQL. */
function embeddedOptions(page: string): {
  headers?: string;
  defaultTabs: { query: string; variables?: string; headers?: string }[];
} {
  const start = page.indexOf('renderYogaGraphiQL(');
  const json = page.slice(page.indexOf('{', start), page.lastIndexOf(');'));
  return JSON.parse(json);
}

const pageRequest = () =>
  new Request('http://registry.test/graphql', { headers: { accept: 'text/html' } });

/** docs/*.md as text (vitest runs in workerd: files come in as imports, not fs reads). */
const DOC_PAGES = import.meta.glob<string>('../../docs/*.md', {
  query: '?raw',
  import: 'default',
  eager: true,
});

function graphqlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe('GraphiQL examples', () => {
  it('has one tab per capability, each selecting the operations it is there to show', () => {
    expect(GRAPHIQL_EXAMPLES.map((example) => example.capability)).toEqual(
      Object.keys(REQUIRED_FIELDS),
    );
    for (const example of GRAPHIQL_EXAMPLES) {
      const fields = fieldsOf(parse(example.query));
      for (const field of REQUIRED_FIELDS[example.capability] ?? []) {
        expect(fields.has(field), `${example.capability} selects ${field}`).toBe(true);
      }
    }
  });

  it('validates every example operation against the schema, in code and as printed', () => {
    const printed = buildSchema(printedSchema);
    for (const { capability, query } of [
      { capability: 'default', query: GRAPHIQL_DEFAULT_QUERY },
      ...GRAPHIQL_EXAMPLES,
    ]) {
      const document = parse(query);
      expect(
        validate(schema, document).map((error) => error.message),
        capability,
      ).toEqual([]);
      expect(
        validate(printed, document).map((error) => error.message),
        capability,
      ).toEqual([]);
      for (const operation of operationsOf(document)) {
        expect(operation.name?.value, `${capability}: every operation is named`).toBeTruthy();
      }
    }
  });

  it('names every variable an operation needs in the tab’s variables, as a JSON object', () => {
    for (const example of GRAPHIQL_EXAMPLES) {
      const variables = JSON.parse(example.variables) as Record<string, unknown>;
      expect(typeof variables, example.capability).toBe('object');
      const declared = operationsOf(parse(example.query)).flatMap((operation) =>
        (operation.variableDefinitions ?? []).map((definition) => definition.variable.name.value),
      );
      expect(Object.keys(variables).sort(), example.capability).toEqual(
        [...new Set(declared)].sort(),
      );
    }
  });

  it('runs every operation within the query limits; those without placeholders without errors', async () => {
    // given an organization where none of the examples' names exist
    const org = await createTestOrg('graphiql-examples');

    for (const example of [
      { capability: 'default', query: GRAPHIQL_DEFAULT_QUERY, variables: '{}' },
      ...GRAPHIQL_EXAMPLES,
    ]) {
      const document = parse(example.query);
      const variables = JSON.parse(example.variables) as Record<string, unknown>;
      for (const operation of operationsOf(document)) {
        const name = operation.name?.value ?? '';
        const needsPaste = (operation.variableDefinitions ?? []).length > 0;

        // when it runs as GraphiQL would send it, placeholders and all
        const response = await SELF.fetch('http://registry.test/graphql', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/graphql-response+json, application/json',
            authorization: `Bearer ${org.admin.token}`,
          },
          body: JSON.stringify({ query: example.query, variables, operationName: name }),
        });
        const body = (await response.json()) as {
          data?: Record<string, unknown> | null;
          errors?: { message: string; extensions?: { code?: string } }[];
        };
        const label = `${example.capability} / ${name}: ${JSON.stringify(body.errors)}`;

        // then no limit refuses it; without ids to paste it simply answers
        expect(
          body.errors?.filter((error) => error.extensions?.code === 'QUERY_TOO_COMPLEX') ?? [],
          label,
        ).toEqual([]);
        if (!needsPaste) {
          expect(body.errors, label).toBeUndefined();
          expect(response.status, label).toBe(200);
        } else {
          // a placeholder is not an id: a clear answer about the input, never an internal error
          for (const error of body.errors ?? []) {
            expect(error.extensions?.code, label).toMatch(/^(NOT_FOUND|BAD_USER_INPUT)$/);
          }
          for (const value of Object.values(body.data ?? {})) {
            const result = value as { __typename?: string; path?: string[] } | null;
            if (result?.__typename) {
              expect(result.__typename, label).toMatch(/Error$/);
              expect(result.path, label).toEqual(expect.arrayContaining(['input']));
            }
          }
        }
      }
    }
  });

  it('keeps the tour’s queries valid: one per GraphQL capability', () => {
    const blocks = graphqlBlocks(tour);
    expect(blocks).toHaveLength(6);
    for (const block of blocks) {
      expect(
        validate(schema, parse(block)).map((error) => error.message),
        block,
      ).toEqual([]);
    }
  });

  it('keeps every GraphQL example of the README and the docs pages valid', () => {
    const pages = { 'README.md': readme, ...DOC_PAGES };
    expect(Object.keys(pages).length).toBeGreaterThan(7);
    for (const [name, text] of Object.entries(pages)) {
      for (const block of graphqlBlocks(text)) {
        // A block may list several steps, each an operation to send on its own.
        const { definitions } = parse(block);
        const fragments = definitions.filter(
          (definition) => definition.kind !== 'OperationDefinition',
        );
        for (const operation of definitions.filter((d) => d.kind === 'OperationDefinition')) {
          const document = { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] } as const;
          // Prose examples leave ids as free variables ($modelId) for the reader to fill in.
          const errors = validate(schema, document)
            .map((error) => error.message)
            .filter((message) => !/^Variable "\$\w+" is not defined/.test(message));
          expect(errors, `${name}: ${print(operation)}`).toEqual([]);
        }
      }
    }
  });

  it('are served as GraphiQL tabs after the default query', async () => {
    const response = await SELF.fetch(pageRequest());
    expect(response.status).toBe(200);
    const options = embeddedOptions(await response.text());

    expect(options.defaultTabs.map((tab) => tab.query)).toEqual([
      GRAPHIQL_DEFAULT_QUERY,
      ...GRAPHIQL_EXAMPLES.map((example) => example.query),
    ]);
    expect(options.defaultTabs.slice(1).map((tab) => tab.variables)).toEqual(
      GRAPHIQL_EXAMPLES.map((example) => example.variables),
    );
  });

  it('pre-fills the local token in every tab in development only', async () => {
    const token = 'mr_local-example-token</script>';
    const page = async (vars: { ENVIRONMENT: string; LOCAL_ADMIN_TOKEN?: string }) => {
      const { LOCAL_ADMIN_TOKEN: _fromDevVars, ...base } = env as typeof env & {
        LOCAL_ADMIN_TOKEN?: string;
      };
      const serverEnv = { ...base, ...vars } as typeof env;
      const response = await yogaFor(serverEnv).fetch(
        'http://registry.test/graphql',
        { headers: { accept: 'text/html' } },
        {
          env: serverEnv,
          ctx: createExecutionContext(),
          statements: { statements: 0, roundTrips: 0 },
        },
      );
      expect(response.status).toBe(200);
      return response.text();
    };

    // development with a seeded token: every tab sends it
    const development = await page({ ENVIRONMENT: 'development', LOCAL_ADMIN_TOKEN: token });
    const headers = JSON.stringify({ Authorization: `Bearer ${token}` });
    const options = embeddedOptions(development);
    expect(options.headers).toBe(headers);
    expect(options.defaultTabs).toHaveLength(GRAPHIQL_EXAMPLES.length + 1);
    for (const tab of options.defaultTabs) expect(tab.headers).toBe(headers);
    // the token cannot close the script element it is embedded in
    const embedded = development.slice(development.indexOf('renderYogaGraphiQL'));
    expect(embedded.indexOf('</script>')).toBe(embedded.lastIndexOf('</script>'));

    // production, even with the variable set, and development without one: no token anywhere
    for (const vars of [
      { ENVIRONMENT: 'production', LOCAL_ADMIN_TOKEN: token },
      { ENVIRONMENT: 'development' },
    ]) {
      const served = await page(vars);
      expect(served).not.toContain('mr_local-example-token');
      const tabs = embeddedOptions(served).defaultTabs;
      expect(tabs).toHaveLength(GRAPHIQL_EXAMPLES.length + 1);
      for (const tab of tabs) expect(tab.headers).toBeUndefined();
    }
  });
});
