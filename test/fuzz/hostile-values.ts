// Hostile values for the mutation fuzz test, by GraphQL input type. Each arbitrary mixes values that
// are valid for the type with ones that are valid JSON but wrong for the field (out of range,
// malformed, injection text), so that cases get past variable coercion into the services.
import fc from 'fast-check';

/** JSON has no Infinity or NaN: values equal to this marker are sent as the JSON number 1e999. */
export const INFINITY = '__fuzz_infinity__';
export const NEGATIVE_INFINITY = '__fuzz_negative_infinity__';

/** The request body, with the infinity markers written as numbers JSON.parse reads as ±Infinity. */
export function toJsonBody(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll(`"${INFINITY}"`, '1e999')
    .replaceAll(`"${NEGATIVE_INFINITY}"`, '-1e999');
}

const UNICODE_EDGES = [
  '\uD800', // lone high surrogate
  'a\uDC00b', // lone low surrogate
  '\uDBFF\uDFFF', // last code point
  '\u202Eevil\u202C', // right-to-left override
  'שלום עולם', // RTL script
  'مرحبا', // Arabic
  'zero\u200Bwidth\u200C\u200D\uFEFF',
  'nul\u0000byte',
  '\u0000',
  'tab\tnewline\ncr\r',
  '\u007F\u0080\u009F',
  '😀🧑‍🔬👨‍👩‍👧‍👦🏳️‍🌈',
  `e${'\u0301'.repeat(200)}`, // a stack of combining marks
  'Z̴̡̢̛͓̲̱a̸̧̛̝̲l̶̡̛̝g̷̢̛̝o̵̡̧̊',
  '\uFFFD\uFFFE\uFFFF',
  'ﬁ ß İ ı', // case-mapping oddities
  '\u2028\u2029',
  ' ',
  '',
  '   padded   ',
];

const INJECTIONS = [
  "'; DROP TABLE model; --",
  "' OR '1'='1",
  '" OR ""="',
  "x'); DELETE FROM audit_event; --",
  '1; UPDATE api_token SET revoked_at = NULL',
  "') UNION SELECT token_hash FROM api_token --",
  '%_%',
  '\\',
  "json_extract(metadata, '$')",
  '$.a[0]',
  '}) { __schema { types { name } } }',
  'mutation { userCreate(input: {name: "x", role: ADMIN}) { __typename } }',
  '{ "__proto__": { "polluted": true } }',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template-injection text is the point
  '${7*7}{{7*7}}',
  '../../../../etc/passwd',
  'r2://bucket/../../secret',
  'javascript:alert(1)',
  'http://169.254.169.254/latest/meta-data/',
];

const HUGE_SIZES = [1_001, 10_001, 65_537, 300_000];

export const hugeString = fc
  .tuple(fc.constantFrom(...HUGE_SIZES), fc.constantFrom('a', 'é', '😀', "'", '\u0000', ' '))
  .map(([size, unit]) => unit.repeat(Math.ceil(size / unit.length)));

/** Hostile strings without the huge ones: for the items of long lists. */
export const smallHostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...UNICODE_EDGES),
  fc.constantFrom(...INJECTIONS),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...UNICODE_EDGES) },
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: hugeString },
);

export const hostileInt: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, 100, 101, 1000, 2_147_483_647, -2_147_483_648),
  fc.integer(),
  // Outside GraphQL's Int: refused by coercion.
  fc.constantFrom(2_147_483_648, -2_147_483_649, 1e21, 0.5, -0.0, INFINITY, NEGATIVE_INFINITY),
);

export const hostileSafeInt: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1)),
  fc.integer(),
  // Outside a safe integer, or not a whole number: refused by coercion.
  fc.constantFrom(2 ** 53, -(2 ** 53), 1e21, 0.5, '12', INFINITY, NEGATIVE_INFINITY),
);

export const hostileFloat: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.5, 1, 1e-320, 5e-324, 1e308, -1e308, 2 ** 53 + 2, 1e15, 1e20),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(INFINITY, NEGATIVE_INFINITY),
);

const DATE_STRINGS = [
  '2026-11-26T10:00:00.000Z',
  '1970-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00.000Z',
  '1000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00.000Z',
  '2026-02-30T00:00:00Z',
  '2026-11-26T25:61:61Z',
  '2026-11-26',
  '2026-11-26T10:00:00+14:00',
  '2026-11-26T10:00:00-12:00',
  'now',
  '',
];

export const hostileDate: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...DATE_STRINGS),
  fc
    .date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString()),
  // Relative to now, in both directions: the services' windows and clock-skew checks.
  fc
    .integer({ min: -400 * 86_400, max: 400 * 86_400 })
    .map((seconds) => new Date(Date.now() + seconds * 1000).toISOString()),
  fc.constantFrom(0, -1, 8.64e15 + 1, 1_732_615_200_000),
);

function deepJson(depth: number, kind: 'object' | 'array'): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = kind === 'object' ? { a: value } : [value];
  return value;
}

export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .tuple(fc.constantFrom(1, 31, 32, 33, 100, 999, 1001, 5000), fc.constantFrom('object', 'array'))
    .map(([depth, kind]) =>
      kind === 'array' ? { deep: deepJson(depth, 'array') } : deepJson(depth, 'object'),
    ),
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(
    null,
    0,
    'text',
    [],
    [1, 2],
    {},
    JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}'),
    { '': 1, '\u0000': 2, '😀': 3, "'; DROP TABLE edge; --": 4 },
    { big: 1e308, small: -1e308, inf: INFINITY },
  ),
  hugeString.map((text) => ({ text })),
  fc
    .constantFrom(1_000, 20_000)
    .map((keys) =>
      Object.fromEntries(Array.from({ length: keys }, (_, index) => [`k${index}`, index])),
    ),
);

/** A value of any JSON type: for "wrong type" cases. */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(INFINITY, ''),
  hostileString,
  fc.constant({}),
  fc.constant([]),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
