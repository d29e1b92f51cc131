// Operations a client of the registry runs, as typed documents (generated into ./gql by
// `npm run codegen`). The example client in ./client.ts runs them against a local server.
import { graphql } from './gql/index.ts';

export const ViewerQuery = graphql(/* GraphQL */ `
  query Viewer {
    viewer {
      id
      name
      role
      organization {
        name
      }
    }
  }
`);

export const ModelRegisterMutation = graphql(/* GraphQL */ `
  mutation ModelRegister($input: ModelRegisterInput!) {
    modelRegister(input: $input) {
      __typename
      ... on ModelRegisterPayload {
        model {
          id
          name
          tags
          provider
        }
      }
      ... on Error {
        message
        path
      }
    }
  }
`);

export const DatasetRegisterMutation = graphql(/* GraphQL */ `
  mutation DatasetRegister($input: DatasetRegisterInput!) {
    datasetRegister(input: $input) {
      __typename
      ... on DatasetRegisterPayload {
        dataset {
          id
          name
        }
      }
      ... on Error {
        message
        path
      }
    }
  }
`);

export const ModelVersionCreateMutation = graphql(/* GraphQL */ `
  mutation ModelVersionCreate($input: ModelVersionCreateInput!) {
    modelVersionCreate(input: $input) {
      __typename
      ... on ModelVersionCreatePayload {
        modelVersion {
          id
          version
        }
      }
      ... on Error {
        message
        path
      }
    }
  }
`);

export const ModelVersionPromoteMutation = graphql(/* GraphQL */ `
  mutation ModelVersionPromote($input: ModelVersionPromoteInput!) {
    modelVersionPromote(input: $input) {
      __typename
      ... on ModelVersionPromotePayload {
        modelVersion {
          version
          isProduction
        }
        previousVersion {
          version
        }
      }
      ... on Error {
        message
        path
      }
    }
  }
`);

export const ModelsOverviewQuery = graphql(/* GraphQL */ `
  query ModelsOverview($first: Int!, $after: String, $filter: ModelFilter) {
    models(first: $first, after: $after, filter: $filter) {
      edges {
        node {
          id
          name
          status
          tags
          productionVersion {
            version
          }
          versions(first: 10) {
            edges {
              node {
                version
                aliases
                trainedOn(first: 10) {
                  edges {
                    node {
                      name
                    }
                    properties
                  }
                }
              }
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
