// Kept apart from artifacts.ts (which imports Yoga and so the schema) so that the schema can name
// these paths without an import cycle.

export const ARTIFACT_ROUTE_PREFIX = '/artifacts/';

/** Where a client sends or fetches an artifact's bytes (relative to the API's origin). */
export function artifactPath(id: string): string {
  return `${ARTIFACT_ROUTE_PREFIX}${id}`;
}
