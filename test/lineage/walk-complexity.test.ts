// Regression (found by test/graphql/statement-budget.test.ts): `lineage` on each entry of a list
// ran one walk per parent, a few D1 statements each, so a page of 100 models with their lineage
// ran 422 statements. A walk is now priced at LINEAGE_WALK_COMPLEXITY: such a list is refused
// before anything runs, and what still passes stays within D1's 50 statements per invocation.
import { describe, expect, it } from 'vitest';
import { seedDataset, seedModel, seedVersion } from '../helpers/fixtures.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';

const modelsWithLineage = (first: number) => /* GraphQL */ `
  query ModelsWithLineage {
    models(first: ${first}) {
      edges {
        node {
          name
          lineage(direction: BOTH) {
            nodes {
              id
            }
          }
        }
      }
    }
  }
`;

describe('lineage walks per request', () => {
  it('refuses a list of 100 models each with its lineage, naming the limit', async () => {
    const org = await createTestOrg('walks');
    const response = await gql(org.tokens.VIEWER, modelsWithLineage(100));
    expect(response.data).toBeNull();
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'complexity',
    });
    expect(response.statements).toBeLessThanOrEqual(2);
  });

  it('runs the walks that pass within the D1 statement budget', async () => {
    const org = await createTestOrg('walks-ok');
    const dataset = await seedDataset(org, 'd');
    for (let index = 0; index < 8; index += 1) {
      const model = await seedModel(org, `m${index}`);
      await seedVersion(org, model.id, '1.0.0', { trainedOn: [{ datasetId: dataset.id }] });
    }
    // A list of models is priced at 10 entries (20,132 with lineage): walks run one node at a time.
    const response = await gql(
      org.tokens.VIEWER,
      '{ model(name: "m0") { lineage(direction: BOTH) { nodes { id } } } }',
    );
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    expect(response.data?.model.lineage.nodes.length).toBeGreaterThan(1);
    expect(response.statements).toBeLessThanOrEqual(50);
  });
});
