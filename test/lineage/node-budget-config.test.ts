import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { lineageNodeBudget } from '../../src/config.ts';
import { DEFAULT_NODE_BUDGET } from '../../src/registry/lineage/traversal.service.ts';

describe('the lineage node budget', () => {
  it('comes from LINEAGE_NODE_BUDGET in wrangler.jsonc', () => {
    expect(lineageNodeBudget(env)).toBe(100_000);
  });

  it('falls back to the default when unset or not a positive integer, and is capped', () => {
    expect(lineageNodeBudget({})).toBe(DEFAULT_NODE_BUDGET);
    for (const bad of ['', '0', '-5', '1.5', 'lots']) {
      expect(lineageNodeBudget({ LINEAGE_NODE_BUDGET: bad })).toBe(DEFAULT_NODE_BUDGET);
    }
    expect(lineageNodeBudget({ LINEAGE_NODE_BUDGET: '250' })).toBe(250);
    expect(lineageNodeBudget({ LINEAGE_NODE_BUDGET: '999999999' })).toBe(1_000_000);
  });
});
