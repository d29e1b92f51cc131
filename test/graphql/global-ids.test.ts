// Global IDs are encoded natively (src/global-id.ts) instead of through the relay plugin's
// Buffer-based encoder: the strings must be the plugin's, bit for bit, for any input, and every
// `id` field (the builder's relay option, synchronousNodeIds) must answer them.
import { decodeGlobalID, encodeGlobalID as pluginEncode } from '@pothos/plugin-relay';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeGlobalID, readGlobalID } from '../../src/global-id.ts';
import { newId } from '../../src/registry/ids.ts';
import { createTestOrg, gql } from '../helpers/graphql.ts';

/** The relay plugin's answer for `value`, null where it throws. */
function pluginRead(value: string) {
  try {
    return decodeGlobalID(value);
  } catch {
    return null;
  }
}

describe('readGlobalID', () => {
  it('answers what the relay plugin decodes, and null where the plugin throws', () => {
    const samples = [
      encodeGlobalID('Model', newId()),
      encodeGlobalID('ModelVersion', 'a:b:c'),
      encodeGlobalID('Model', 'a:'),
      btoa('Model::x'),
      btoa('Model:'),
      btoa(':id'),
      btoa('9Model:id'),
      btoa('Mo-del:id'),
      btoa('Model'),
      encodeGlobalID('Model', 'naïve:🚀'),
      encodeGlobalID('Model', '\ufeffbom'),
      btoa('Model:\xff\xfe'),
      'otlp-bench-model',
      'my model',
      '',
      'TW9kZWw6aWQ',
      'TW9kZWw6aWQ=',
      'TW9kZWw6aWQ==',
      'TW9kZWw6aW=Q',
    ];
    for (const value of samples) expect(readGlobalID(value), value).toEqual(pluginRead(value));
    const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => btoa(String.fromCharCode(...b)));
    const texts = fc
      .tuple(fc.constantFrom('Model', 'A_b9', '', '1x', 'Mo del'), fc.string({ unit: 'binary' }))
      .map(([typename, id]) => encodeGlobalID(typename, id));
    fc.assert(
      fc.property(fc.oneof(bytes, texts, fc.string()), (value) => {
        expect(readGlobalID(value)).toEqual(pluginRead(value));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encodeGlobalID', () => {
  it('writes the relay plugin’s strings for type names and row ids', () => {
    for (const typename of ['Model', 'ModelVersion', 'GraphEdge', 'AuditEvent', 'A_b9']) {
      const id = newId();
      expect(encodeGlobalID(typename, id)).toBe(pluginEncode(typename, id));
      expect(decodeGlobalID(encodeGlobalID(typename, id))).toEqual({ typename, id });
    }
    expect(encodeGlobalID('Model', 42)).toBe(pluginEncode('Model', 42));
    expect(encodeGlobalID('Model', 42n)).toBe(pluginEncode('Model', 42n));
  });

  it('writes the same strings for any text: non-ASCII, control characters, lone surrogates', () => {
    for (const id of ['é', 'naïve:🚀', '\u0000\u001f\u007f', '\ud800', '€100', '']) {
      expect(encodeGlobalID('Model', id)).toBe(pluginEncode('Model', id));
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string(), (id, typename) => {
        expect(encodeGlobalID(typename, id)).toBe(pluginEncode(typename, id));
      }),
      { numRuns: 500 },
    );
  });

  it('is what the id fields answer, those of synchronousNodeIds and the plugin’s alike', async () => {
    const org = await createTestOrg('global-ids');
    const response = await gql(
      org.tokens.ADMIN,
      /* GraphQL */ `
        query {
          viewer {
            id
          }
          organization {
            id
          }
        }
      `,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.viewer.id).toBe(pluginEncode('User', org.userIds.ADMIN));
    expect(response.data?.organization.id).toBe(pluginEncode('Organization', org.orgId));
  });
});
