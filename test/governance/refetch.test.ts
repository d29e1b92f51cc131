import { describe, expect, it } from 'vitest';
import { createTestOrg, gql } from '../helpers/graphql.ts';

const Setup = /* GraphQL */ `
  mutation Setup {
    modelRegister(input: { name: "refetched" }) {
      ... on ModelRegisterPayload { model { id } }
    }
  }
`;

const VersionCreate = /* GraphQL */ `
  mutation VersionCreate($modelId: ID!) {
    modelVersionCreate(input: { modelId: $modelId, version: "1.0.0" }) {
      ... on ModelVersionCreatePayload { modelVersion { id } }
    }
  }
`;

const ApprovalRequest = /* GraphQL */ `
  mutation ApprovalRequest($versionId: ID!) {
    approvalRequest(input: { versionId: $versionId, checks: [SECURITY] }) {
      __typename
      ... on ApprovalRequestPayload { approval { id state } }
      ... on Error { message path }
    }
  }
`;

const Refetch = /* GraphQL */ `
  query Refetch($id: ID!) {
    node(id: $id) { id ... on Approval { state } }
    nodes(ids: [$id]) { id }
  }
`;

describe('an approval', () => {
  it('is refetchable by its global ID, and invisible to another organization', async () => {
    // given an approval request
    const org = await createTestOrg();
    const other = await createTestOrg('other');
    const model = await gql(org.tokens.EDITOR, Setup);
    const version = await gql(org.tokens.EDITOR, VersionCreate, {
      modelId: model.data?.modelRegister.model.id,
    });
    const requested = await gql(org.tokens.EDITOR, ApprovalRequest, {
      versionId: version.data?.modelVersionCreate.modelVersion.id,
    });
    expect(requested.data?.approvalRequest.__typename).toBe('ApprovalRequestPayload');
    const approvalId = requested.data?.approvalRequest.approval.id as string;

    // when it is fetched by id, by its organization and by another
    const mine = await gql(org.tokens.VIEWER, Refetch, { id: approvalId });
    const theirs = await gql(other.tokens.VIEWER, Refetch, { id: approvalId });

    // then only its organization sees it
    expect(mine.errors).toBeUndefined();
    expect(mine.data).toEqual({
      node: { id: approvalId, state: 'PENDING' },
      nodes: [{ id: approvalId }],
    });
    expect(theirs.data).toEqual({ node: null, nodes: [null] });
  });
});
