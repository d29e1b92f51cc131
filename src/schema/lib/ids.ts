// Global-ID decoding and service dependencies are shared with the REST routes, so they live
// outside src/schema; the GraphQL files keep importing them from here.
export { decodeIdOf, decodeNodeId, deps } from '../../global-id.ts';
