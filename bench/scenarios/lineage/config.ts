// Sizes of the two graphs and the limits of one run, and the API's own lineage definitions the
// checks and the raw floors must agree with.
import { EDGE_TYPES } from '../../../src/registry/lineage/lineage.ts';
import { TARGET_IS_DOWNSTREAM as API_TARGET_IS_DOWNSTREAM } from '../../../src/registry/lineage/traversal.repository.ts';

const SIZES = {
  full: {
    chainHops: 10_000,
    // The API's largest page (MAX_LINEAGE_PAGE): each full walk comes back in one request.
    pageSize: 25_000,
    datasets: 500,
    layers: 40,
    perLayer: 475,
    parentLayers: 3,
    deployments: 500,
    /** Warm repetitions after the first request, as far as seriesBudgetS allows. */
    warm: 5,
    otherPages: 3,
    /** Time one series of requests (or of raw runs) may take: runs stop when the next would not fit. */
    seriesBudgetS: 150,
    /** Client-side limit of one request; past it the server is restarted (it keeps working). */
    requestTimeoutS: 90,
    rawRuns: 5,
    /** Back-to-back (raw statement, request) pairs per paired ratio (measurePaired). */
    pairs: 7,
    /** The API's walk statement, raw: one run may take this long before the child is killed. */
    rawWalkTimeoutS: 120,
    naiveRuns: 3,
    nestRuns: 3,
    depthVariantTimeoutS: 60,
  },
  quick: {
    chainHops: 1_000,
    pageSize: 500,
    datasets: 50,
    layers: 10,
    perLayer: 200,
    parentLayers: 3,
    deployments: 50,
    warm: 2,
    otherPages: 1,
    seriesBudgetS: 20,
    requestTimeoutS: 30,
    rawRuns: 2,
    pairs: 2,
    rawWalkTimeoutS: 30,
    naiveRuns: 1,
    nestRuns: 1,
    depthVariantTimeoutS: 20,
  },
};
export type Size = (typeof SIZES)['full'];

/**
 * LINEAGE_REQUEST_TIMEOUT_S and LINEAGE_RAW_TIMEOUT_S override requestTimeoutS and rawWalkTimeoutS,
 * to let a slow walk finish once (such a run takes longer than the default ~10 minutes: pass
 * --timeout-min as well).
 */
export function sizeFor(quick: boolean): Size {
  const size = { ...(quick ? SIZES.quick : SIZES.full) };
  const env = (name: string) => {
    const value = Number(process.env[name]);
    return Number.isFinite(value) && value > 0 ? value : null;
  };
  size.requestTimeoutS = env('LINEAGE_REQUEST_TIMEOUT_S') ?? size.requestTimeoutS;
  size.rawWalkTimeoutS = env('LINEAGE_RAW_TIMEOUT_S') ?? size.rawWalkTimeoutS;
  return size;
}

/** Share of the versions above layer 0 that are also TRAINED_ON 1-3 datasets. */
export const EXTRA_TRAINING = 0.4;

/** Rows per SQL file: ~25,000 rows is 6-8 MB of SQL. */
export const ROWS_PER_FILE = 25_000;
export const MAX_REQUESTS = 400;
/** Deepest `derivedFrom { derivedFrom { ... } }` nesting tried (QUERY_LIMITS.depth is 12). */
export const MAX_NESTING = 12;

// The API's own definitions: which edge types exist, and which way each one points downstream.
export const ALL_EDGE_TYPES: readonly string[] = EDGE_TYPES;
export const TARGET_IS_DOWNSTREAM: ReadonlySet<string> = API_TARGET_IS_DOWNSTREAM;
/** bySource/byTarget as walkEdges derives them for all edge types. */
export function directionTypes(direction: 'UPSTREAM' | 'DOWNSTREAM', edgeTypes = ALL_EDGE_TYPES) {
  const forward = edgeTypes.filter((type) => TARGET_IS_DOWNSTREAM.has(type));
  const backward = edgeTypes.filter((type) => !TARGET_IS_DOWNSTREAM.has(type));
  return direction === 'DOWNSTREAM'
    ? { bySource: forward, byTarget: backward }
    : { bySource: backward, byTarget: forward };
}
/** src/registry/lineage/traversal.service.ts: DEFAULT_NODE_BUDGET + 1. */
export const NODE_LIMIT = 100_001;
/** The edge types `impact` follows (IMPACT_EDGE_TYPES). */
export const IMPACT_EDGE_TYPES = ['TRAINED_ON', 'EVALUATED_ON', 'DERIVED_FROM', 'DEPLOYED_TO'];
