import { setPromotionPolicy } from '../../src/registry/governance/promotion.service.ts';
import { serviceDeps, viewerOf } from '../helpers/fixtures.ts';
import type { TestOrg } from '../helpers/graphql.ts';

/**
 * Sets the organization's promotion policy to "no approval needed". The default policy (no row)
 * requires an approved request with all four checks; tests about alias mechanics rather than
 * governance use this to promote freely, and say so.
 */
export function allowPromotionWithoutApproval(org: TestOrg) {
  return setPromotionPolicy(serviceDeps(), viewerOf(org, 'ADMIN'), {
    requireApproval: false,
    requiredChecks: [],
  });
}
