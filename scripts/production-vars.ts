// Production's variables (wrangler.jsonc env.production.vars) for running the production build
// outside wrangler: scripts/test-bundle.ts and the startup bench. RATE_LIMIT is off because those
// runs have no rate limiter binding (the limiter has tests of its own). test-bundle checks that
// each of the others reads the same in wrangler.jsonc, so the two cannot drift apart.
export const PRODUCTION_VARS: Record<string, string> = {
  ENVIRONMENT: 'production',
  LINEAGE_NODE_BUDGET: '100000',
  EXPOSE_ERRORS: 'false',
  GRAPHQL_INTROSPECTION: 'false',
  GRAPHIQL: 'false',
  PERSISTED_OPERATIONS: 'allow',
  CORS_ORIGINS: '',
  RATE_LIMIT: 'off',
};

/** The variables above whose value wrangler.jsonc does not give as written here. */
export function productionVarsDrift(wranglerJsonc: string): string[] {
  const production = wranglerJsonc.slice(wranglerJsonc.indexOf('"production"'));
  return Object.entries(PRODUCTION_VARS)
    .filter(([name]) => name !== 'RATE_LIMIT')
    .filter(([name, value]) => !production.includes(`"${name}": ${JSON.stringify(value)}`))
    .map(([name]) => name);
}
