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

/**
 * GraphiQL's page, loading its script, styles and editor workers from the Worker's static assets
 * (public/graphiql/, written by `npm run graphiql:assets`) instead of Yoga's default CDN.
 */
export function renderGraphiQLPage(options: Record<string, unknown> & { title?: string }): string {
  // JSON inside <script>: escape "<" so no value can close the element.
  const config = JSON.stringify(options).replace(/</g, '\\u003c');
  const title = (options.title ?? 'GraphiQL').replace(/[<>&"]/g, '');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="/graphiql/favicon.ico" />
    <link rel="stylesheet" href="/graphiql/graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script>
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: function (_moduleId, label) {
          return {
            editorWorkerService: '/graphiql/editor.worker.js',
            json: '/graphiql/json.worker.js',
            graphql: '/graphiql/graphql.worker.js',
          }[label];
        },
      };
    </script>
    <script src="/graphiql/graphiql.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${config});
    </script>
  </body>
</html>
`;
}
