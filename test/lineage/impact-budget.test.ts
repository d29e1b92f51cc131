// Issue 8 (D1 statement budget): impact(of:) with every kind of field of the affected versions,
// models, deployments and owners selected costs the same number of statements for a dataset under
// 3 versions and for one under 120 (with deployments): nothing in its lists loads per entry.
import { describe, expect, it } from 'vitest';
import {
  fieldOf,
  globalId,
  seedDataset,
  seedDeployment,
  seedModel,
  seedVersion,
} from '../helpers/fixtures.ts';
import { createTestOrg, gql, type TestOrg } from '../helpers/graphql.ts';

const WideImpact = /* GraphQL */ `
  query ($of: ID!) {
    impact(of: $of) {
      root { id }
      affectedModelVersions {
        id version createdAt
        model { id name }
        createdBy { id name }
        derivedFrom { id }
        experiments { id }
        replacedBy { id }
        replaces { id }
        approvedBy { id }
        trainedOn(first: 5) { edges { node { id name } properties } }
        evaluatedOn(first: 5) { edges { node { id } } }
        derivatives(first: 5) { edges { node { id } } }
        deployedTo(first: 5) { edges { node { id name } } }
      }
      affectedModels {
        id name
        versions(first: 5) { edges { node { id } } }
        replacedBy { id }
        deployedTo(first: 5) { edges { node { id } } }
      }
      affectedDeployments { deployment { id name } environment depth path { id type } }
      owners { id name }
      depthReached
    }
  }
`;

/** A dataset with `count` versions trained on it, each derived from the one before, the last few deployed. */
async function givenDataset(org: TestOrg, count: number) {
  const dataset = await seedDataset(org, `data-${count}`);
  const ids: string[] = [];
  for (let start = 0; start < count; start += 20) {
    const model = await seedModel(org, `m-${count}-${start}`);
    for (let index = start; index < Math.min(start + 20, count); index += 1) {
      const version = await seedVersion(org, model.id, `1.0.${index}`, {
        trainedOn: [{ datasetId: dataset.id, properties: { split: 'train' } }],
        derivedFrom: ids.length ? [ids[ids.length - 1] as string] : [],
      });
      ids.push(version.id);
    }
  }
  await seedDeployment(
    org,
    `prod-${count}`,
    ids.slice(-3).map((versionId) => ({ versionId })),
  );
  return dataset.id;
}

describe('impact(of:) statement cost', () => {
  it('is the same for 3 and for 120 affected versions', async () => {
    const org = await createTestOrg('impact-budget');
    const small = await givenDataset(org, 3);
    const large = await givenDataset(org, 120);
    await gql(org.admin.token, '{ viewer { id } }');

    const few = await gql(org.admin.token, WideImpact, { of: globalId('Dataset', small) });
    const many = await gql(org.admin.token, WideImpact, { of: globalId('Dataset', large) });

    expect(fieldOf(few, 'impact').affectedModelVersions).toHaveLength(3);
    expect(fieldOf(many, 'impact').affectedModelVersions).toHaveLength(120);
    expect(fieldOf(many, 'impact').affectedDeployments).toHaveLength(1);
    expect(many.statements).toBe(few.statements);
    expect(many.statements).toBeLessThanOrEqual(30);
  }, 120_000);
});
