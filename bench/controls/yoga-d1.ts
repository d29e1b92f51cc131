// Bench-only control Worker (never deployed, not part of src/): the "minimal Yoga + D1 Worker" of
// issue 20 §2, which the `overhead` scenario holds the registry against. graphql-yoga (the same
// package and version as the registry) with a one-field schema, `viewer { name }`, whose resolver
// runs one D1 select on the same kind of local D1 binding. No auth, no guards, no plugins: Yoga's
// defaults (its own CORS and masked errors included), as a developer would write it.
import { createSchema, createYoga } from 'graphql-yoga';

interface ControlEnv {
  DB: {
    prepare(query: string): { first<T>(): Promise<T | null> };
  };
}

const yoga = createYoga<{ env: ControlEnv }>({
  schema: createSchema<{ env: ControlEnv }>({
    typeDefs: /* GraphQL */ `
      type Query { viewer: User }
      type User { name: String! }
    `,
    resolvers: {
      Query: {
        viewer: (_root, _args, context) =>
          context.env.DB.prepare('SELECT name FROM user ORDER BY id LIMIT 1').first<{
            name: string;
          }>(),
      },
    },
  }),
  graphqlEndpoint: '/graphql',
  landingPage: false,
  graphiql: false,
});

export default {
  fetch(request: Request, env: ControlEnv): Response | Promise<Response> {
    return yoga.fetch(request, { env });
  },
};
