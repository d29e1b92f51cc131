import type { ObjectRef, SchemaTypes } from '@pothos/core';
import { builder } from '../builder.ts';

type Types =
  typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T extends SchemaTypes> ? T : never;

/** A class of expected failures, registered with `builder.objectType(ErrorClass, ...)`. */
type ErrorClass = new (...args: never[]) => Error;

/**
 * The type of mutation `fieldName`: `<Field>Result`, the union of its payload and the errors it
 * answers as data. A field of this type is what `t.field({ type: payload, errors: { types:
 * errors } })` gives with the builder's `errors.directResult`: the same union (name and
 * description from `errors.defaultUnionOptions`), and the same answers, since the errors plugin
 * wraps the resolver of every field whose type is an error union (a thrown error of one of
 * `errors` is returned as data, any other is thrown).
 *
 * The difference is when the union is made. `errors: { types }` makes it while Pothos builds the
 * field's graphql config, so Mutation's fields had to be defined and built with the schema (a
 * union made later is missing from its type map). Made here, when the mutation's module is
 * evaluated, it is in the type map whenever Mutation's fields are defined, so those can wait for
 * the first operation that uses them (src/schema/lib/lazy-fields.ts).
 *
 * The payload needs its own `resolveType`: errors are mapped to their types by the plugin, and the
 * payload, a plain object, has no `isTypeOf` for graphql's default resolver to go by.
 */
export function mutationResult<Shape>(
  fieldName: string,
  payload: ObjectRef<Types, Shape>,
  errors: readonly ErrorClass[],
) {
  const { name, ...unionOptions } = builder.options.errors?.defaultUnionOptions ?? {};
  if (!name) throw new Error('builder.ts must name result unions (errors.defaultUnionOptions)');
  return builder.errorUnion(name({ parentTypeName: 'Mutation', fieldName }), {
    ...unionOptions,
    // The payload last, as the plugin lists the members of the union it makes.
    types: [...errors, payload],
    resolveType: () => payload,
  });
}
