/** The operation GraphiQL opens with: a tour of the registry in one query. */
export const GRAPHIQL_DEFAULT_QUERY = /* GraphQL */ `# Model Registry. Your token is in the headers below (local development).
# Try: register a model with the mutation at the bottom, then run ModelsOverview again.

query ModelsOverview {
  viewer { name role organization { name } }
  models(first: 10, orderBy: { field: UPDATED_AT, direction: DESC }) {
    edges {
      node {
        id
        name
        status
        tags
        productionVersion { version }
        versions(first: 5) {
          edges {
            node {
              version
              aliases
              trainedOn(first: 5) { edges { node { name } properties } }
            }
          }
        }
        deployedTo(first: 5) { edges { node { name environment } modelVersion { version } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}

mutation RegisterModel {
  modelRegister(input: {
    name: "sentiment-classifier"
    description: "Classifies support tickets by sentiment"
    metadata: { framework: "pytorch", model_type: "classifier", provider: "in-house", tags: ["nlp"] }
  }) {
    __typename
    ... on ModelRegisterPayload { model { id name tags } }
    ... on Error { message path }
  }
}
`;
