import {
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { encodeGlobalID } from '../../src/global-id.ts';
import { builder } from '../../src/schema/builder.ts';
import { schema } from '../../src/schema/index.ts';
import { type FieldConfigSource, lazyFieldsDuring } from '../../src/schema/lib/lazy-fields.ts';

/** A builder stand-in whose field configs are given per type name. */
function configs(byType: Record<string, Record<string, object>>): FieldConfigSource {
  return {
    configStore: {
      getFields: (name) =>
        new Map(
          Object.entries(byType[name] ?? {}).map(([field, pothosOptions]) => [
            field,
            { pothosOptions },
          ]),
        ),
    },
  };
}

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

describe('fields built on first use (src/schema/lib/lazy-fields.ts)', () => {
  it('leaves a type unbuilt while the schema is made, and builds it on its first use', () => {
    // Given a query type and another type, both made inside the build
    const query = countedType('Query');
    const other = countedType('Other');
    // When the schema is made with fields deferred
    const made = lazyFieldsDuring(
      configs({}),
      () => new GraphQLSchema({ query: query.type, types: [query.type, other.type] }),
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

  it('builds a type whose fields make types (errors) while the schema is made', () => {
    // Given a mutation type with a field that has errors, as the errors plugin sees it
    const mutation = countedType('Mutation');
    const query = countedType('Query');
    // When the schema is made with fields deferred
    lazyFieldsDuring(
      configs({ Mutation: { value: { errors: { types: [] } } } }),
      () => new GraphQLSchema({ query: query.type, mutation: mutation.type }),
    );
    // Then that type's fields were built during the build, the other's not
    expect([mutation.built.count, query.built.count]).toEqual([1, 0]);
  });

  it('puts graphql getFields back, also when the build throws', () => {
    const original = GraphQLObjectType.prototype.getFields;
    expect(() =>
      lazyFieldsDuring(configs({}), () => {
        throw new Error('build failed');
      }),
    ).toThrow('build failed');
    expect(GraphQLObjectType.prototype.getFields).toBe(original);
  });

  it('gives the API the same types and fields as a schema built eagerly', () => {
    // Given the Worker's schema (deferred) and one the same builder builds with every field
    const eager = builder.toSchema({ sortSchema: false });
    // Then both have the same type map, and print the same once every field is built
    expect(Object.keys(schema.getTypeMap()).sort()).toEqual(Object.keys(eager.getTypeMap()).sort());
    expect(printSchema(lexicographicSortSchema(schema))).toBe(
      printSchema(lexicographicSortSchema(eager)),
    );
  });

  it("answers the core node types' ids synchronously once their fields are built", () => {
    for (const typename of ['Model', 'ModelVersion', 'Dataset', 'GraphEdge', 'Organization']) {
      const type = schema.getType(typename) as GraphQLObjectType;
      const id = type.getFields().id?.resolve?.({ id: 'abc' }, {}, {}, {} as never);
      expect(id).toBe(encodeGlobalID(typename, 'abc'));
    }
  });
});
