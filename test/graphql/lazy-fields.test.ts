import SchemaBuilder, { InterfaceRef, ObjectRef } from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import {
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  graphql,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { encodeGlobalID } from '../../src/global-id.ts';
import { builder } from '../../src/schema/builder.ts';
import { schema } from '../../src/schema/index.ts';
import {
  EAGER_TYPES,
  type FieldConfigSource,
  lazyFieldsDuring,
} from '../../src/schema/lib/lazy-fields.ts';

/** A builder stand-in with no Pothos definitions, for schemas made with graphql alone. */
const noDefinitions: FieldConfigSource = {
  configStore: {
    typeConfigs: new Map(),
    getTypeConfig: (name) => ({ name }),
    getFields: () => new Map(),
  },
};

/** An object type whose field thunk counts its runs. */
function countedType(name: string) {
  const built = { count: 0 };
  const type = new GraphQLObjectType({
    name,
    fields: () => {
      built.count += 1;
      return { value: { type: GraphQLString } };
    },
  });
  return { type, built };
}

/** A Pothos builder with a Query (eager) and a Thing whose field definitions count their runs. */
type AnyBuilder = PothosSchemaTypes.SchemaBuilder<PothosSchemaTypes.ExtendDefaultTypes<object>>;

function thingBuilder(extra?: (b: AnyBuilder) => void) {
  // biome-ignore lint/suspicious/noExplicitAny: a throwaway builder with the default types
  const b = new SchemaBuilder<any>({} as never);
  const defined = { count: 0 };
  const Thing = b.objectRef<{ v: string }>('Thing').implement({
    fields: (t) => {
      defined.count += 1;
      extra?.(b as unknown as AnyBuilder);
      return { v: t.exposeString('v') };
    },
  });
  b.queryType({
    fields: (t) => ({ thing: t.field({ type: Thing, resolve: () => ({ v: 'x' }) }) }),
  });
  return { b, defined };
}

describe('fields defined and built on first use (src/schema/lib/lazy-fields.ts)', () => {
  it("leaves a type's graphql fields unbuilt while the schema is made, and builds them on use", () => {
    // Given a query type and another type, both made inside the build
    const query = countedType('Query');
    const other = countedType('Other');
    // When the schema is made with fields deferred
    const made = lazyFieldsDuring(
      noDefinitions,
      () => new GraphQLSchema({ query: query.type, types: [query.type, other.type] }),
      new Set(),
    );
    // Then no field thunk ran, yet every type is in the type map
    expect([query.built.count, other.built.count]).toEqual([0, 0]);
    expect(made.getType('Other')).toBe(other.type);
    // And the first use builds that type's fields once, the real ones
    expect(Object.keys(other.type.getFields())).toEqual(['value']);
    other.type.getFields();
    expect([query.built.count, other.built.count]).toEqual([0, 1]);
    // And graphql's introspection types were built as usual
    expect(Object.keys((made.getType('__Schema') as GraphQLObjectType).getFields())).toContain(
      'types',
    );
  });

  it('builds the eager types while the schema is made', () => {
    const mutation = countedType('Mutation');
    const query = countedType('Query');
    lazyFieldsDuring(
      noDefinitions,
      () => new GraphQLSchema({ query: query.type, mutation: mutation.type }),
      new Set(['Mutation']),
    );
    expect([mutation.built.count, query.built.count]).toEqual([1, 0]);
  });

  it("runs a Pothos type's field definitions on first use, and the schema answers with them", async () => {
    // Given a builder whose Thing counts the runs of its field definitions
    const { b, defined } = thingBuilder();
    // When the schema is built with only Query eager
    const made = lazyFieldsDuring(b, () => b.toSchema({ sortSchema: false }), new Set(['Query']));
    // Then Thing's definitions have not run
    expect(defined.count).toBe(0);
    // And an operation that reaches Thing runs them once and gets its field
    const result = await graphql({ schema: made, source: '{ thing { v } }' });
    expect(result).toEqual({ data: { thing: { v: 'x' } } });
    expect(Object.keys((made.getType('Thing') as GraphQLObjectType).getFields())).toEqual(['v']);
    expect(defined.count).toBe(1);
  });

  it('refuses, naming it, a deferred type whose field definitions make a type', () => {
    // Given a Thing whose definitions make another type (as an inline connection would)
    const { b } = thingBuilder((inner) => {
      inner.objectRef<{ x: string }>('Late').implement({
        fields: (t) => ({ x: t.exposeString('x') }),
      });
    });
    const made = lazyFieldsDuring(b, () => b.toSchema({ sortSchema: false }), new Set(['Query']));
    // Then its first use fails with what to do, instead of a schema that lacks the type
    expect(() => (made.getType('Thing') as GraphQLObjectType).getFields()).toThrow(
      'Schema type Thing makes types when its fields are defined or built: add it to EAGER_TYPES',
    );
  });

  it('refuses a deferred type with a field that has errors (its result union is made when built)', () => {
    // biome-ignore lint/suspicious/noExplicitAny: a throwaway builder with the default types
    const b = new SchemaBuilder<any>({ plugins: [ErrorsPlugin], errors: {} } as never);
    b.objectType(Error, {
      name: 'Failure',
      fields: (t) => ({ message: t.exposeString('message') }),
    });
    const Thing = b.objectRef<{ v: string }>('Thing').implement({
      fields: (t) => ({
        v: t.string({ errors: { types: [Error] }, resolve: (thing: { v: string }) => thing.v }),
      }),
    });
    b.queryType({
      fields: (t) => ({ thing: t.field({ type: Thing, resolve: () => ({ v: 'x' }) }) }),
    });
    const made = lazyFieldsDuring(b, () => b.toSchema({ sortSchema: false }), new Set(['Query']));
    expect(() => (made.getType('Thing') as GraphQLObjectType).getFields()).toThrow(
      'Schema type Thing makes types',
    );
  });

  it("leaves the Worker's Mutation fields to their first use, with every result union made", () => {
    // Given the Worker's builder built again as src/schema/index.ts builds it
    const made = lazyFieldsDuring(builder, () => builder.toSchema({ sortSchema: false }));
    const mutation = made.getMutationType() as GraphQLObjectType;
    // Then Mutation's fields are still graphql's thunk (its private `_fields`, until the first
    // getFields()), yet every mutation's result union is in the type map
    expect(typeof (mutation as unknown as { _fields: unknown })._fields).toBe('function');
    expect(made.getType('ModelArchiveResult')).toBeDefined();
    // And once built, each mutation returns its own union
    const fields = Object.values(mutation.getFields());
    expect(fields.length).toBeGreaterThan(50);
    for (const field of fields) {
      const union = `${field.name.charAt(0).toUpperCase()}${field.name.slice(1)}Result`;
      expect(String(field.type), field.name).toBe(`${union}!`);
      expect(made.getType(union), union).toBeDefined();
    }
  });

  it("puts graphql's getFields and Pothos's onField back, also when the build throws", () => {
    const getFields = GraphQLObjectType.prototype.getFields;
    const onField = [ObjectRef.prototype.onField, InterfaceRef.prototype.onField];
    expect(() =>
      lazyFieldsDuring(noDefinitions, () => {
        throw new Error('build failed');
      }),
    ).toThrow('build failed');
    expect(GraphQLObjectType.prototype.getFields).toBe(getFields);
    expect([ObjectRef.prototype.onField, InterfaceRef.prototype.onField]).toEqual(onField);
    expect(Object.hasOwn(ObjectRef.prototype, 'onField')).toBe(false);
  });

  it('gives the API the same types and fields as a schema built eagerly', () => {
    // Given the Worker's schema (deferred), every field built (printing it builds them), and one
    // the same builder builds eagerly from the same definitions
    const printed = printSchema(lexicographicSortSchema(schema));
    const eager = builder.toSchema({ sortSchema: false });
    // Then both have the same type map and print the same
    expect(Object.keys(schema.getTypeMap()).sort()).toEqual(Object.keys(eager.getTypeMap()).sort());
    expect(printed).toBe(printSchema(lexicographicSortSchema(eager)));
    // And the eager list names only types of the API
    for (const name of EAGER_TYPES) expect(schema.getType(name), name).toBeDefined();
  });

  it("answers the core node types' ids synchronously once their fields are built", () => {
    for (const typename of ['Model', 'ModelVersion', 'Dataset', 'GraphEdge', 'Organization']) {
      const type = schema.getType(typename) as GraphQLObjectType;
      const id = type.getFields().id?.resolve?.({ id: 'abc' }, {}, {}, {} as never);
      expect(id).toBe(encodeGlobalID(typename, 'abc'));
    }
  });
});
