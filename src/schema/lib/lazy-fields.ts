import { InterfaceRef, ObjectRef } from '@pothos/core';
import { GraphQLInterfaceType, GraphQLObjectType } from 'graphql';

/**
 * The types built with the schema, all others on first use: those whose field definitions make
 * types (Query's, Run's and TrainedOnConnection's define connection and object types inline) and
 * those whose fields make types while built (a field with the errors plugin's `errors` option:
 * its result union is made then; Mutation's unions are made beforehand, lib/mutation-result.ts).
 * A type made after the schema would be missing from its type map, so a deferred type that turns
 * out to make one fails loudly on first use, naming itself (and `npm run schema:check`, which
 * prints every field, fails in CI).
 */
export const EAGER_TYPES: ReadonlySet<string> = new Set(['Query', 'Run', 'TrainedOnConnection']);

/** What lazyFieldsDuring needs of a Pothos builder (all public members of its config store). */
export interface FieldConfigSource {
  configStore: {
    typeConfigs: ReadonlyMap<string, unknown>;
    getTypeConfig(ref: string): { name: string; interfaces?: readonly unknown[] };
    getFields(name: string, kind?: never): ReadonlyMap<string, { pothosOptions: object }>;
  };
}

type FieldsOwner = GraphQLObjectType | GraphQLInterfaceType;
type OnField = (this: { name: string }, callback: unknown) => void;

/** The name a ref's type is stored under, once the store has its config. */
function configName(store: FieldConfigSource['configStore'], ref: object): string | undefined {
  try {
    return store.getTypeConfig(ref as never).name;
  } catch {
    return undefined;
  }
}

/**
 * Runs `build` (Pothos's `toSchema`) with the object and interface types other than `eager`
 * defined and built on first use, so that a cold isolate does the work of the few types its
 * first operation touches, not of the ~2,000 fields of the whole API. Two steps are deferred:
 *
 * - Pothos's field definitions (each type's `fields: (t) => ...`, run for every type when the
 *   build starts: `ref.onField` in its config store). While `build` runs, an object or interface
 *   ref's `onField` keeps its callback instead of running the definitions; the config store's
 *   `getFields(name)`, which Pothos calls when it builds that type's GraphQL fields, runs them
 *   first (and those of the type's interfaces).
 * - graphql's field maps. `toSchema` asks every type for its fields only to walk them: Pothos's
 *   build loop, and `new GraphQLSchema` collecting referenced types. The type map is complete
 *   without that walk (Pothos passes every type it built in `types`), so while `build` runs
 *   `getFields` of a deferred type answers an empty map and its thunk stays for the first real
 *   use. graphql's introspection types (`__Schema`...) are never deferred.
 *
 * `build` must not read fields itself: `toSchema({ sortSchema: false })` (a sorted schema is
 * rebuilt from every type's fields, which would then be empty).
 *
 * test/graphql/lazy-fields.test.ts checks both against a schema built eagerly, and that a type
 * making types on first use is refused with its name.
 */
export function lazyFieldsDuring<T>(
  builder: FieldConfigSource,
  build: () => T,
  eager: ReadonlySet<string> = EAGER_TYPES,
): T {
  const store = builder.configStore;
  const definitions = new Map<string, () => void>();
  const getFields = store.getFields.bind(store);
  const define = (name: string) => {
    const run = definitions.get(name);
    if (!run) return;
    definitions.delete(name);
    const types = store.typeConfigs.size;
    run();
    const makesTypes =
      store.typeConfigs.size !== types ||
      [...getFields(name).values()].some(
        ({ pothosOptions }) => 'errors' in pothosOptions || 'itemErrors' in pothosOptions,
      );
    if (makesTypes) {
      throw new Error(
        `Schema type ${name} makes types when its fields are defined or built: add it to EAGER_TYPES (src/schema/lib/lazy-fields.ts), or for a mutation's errors make its union with mutationResult (src/schema/lib/mutation-result.ts)`,
      );
    }
  };
  const defineWithInterfaces = (name: string, seen: Set<string>) => {
    if (seen.has(name)) return;
    seen.add(name);
    define(name);
    for (const iface of store.getTypeConfig(name).interfaces ?? []) {
      defineWithInterfaces(store.getTypeConfig(iface as string).name, seen);
    }
  };
  store.getFields = ((name: string, kind?: never) => {
    if (definitions.size > 0) defineWithInterfaces(name, new Set());
    return getFields(name, kind);
  }) as typeof store.getFields;

  const undo: (() => void)[] = [];
  for (const prototype of [ObjectRef.prototype, InterfaceRef.prototype] as { onField: OnField }[]) {
    const onField = prototype.onField;
    const deferred: OnField = function (callback) {
      // Keyed by the type's name as getFields asks for it; a type made during the build (an
      // inline connection) is not in the store yet, and goes by its ref's name.
      const name = store.typeConfigs.has(this.name)
        ? this.name
        : (configName(store, this) ?? this.name);
      if (eager.has(name) || definitions.has(name)) return onField.call(this, callback);
      definitions.set(name, () => onField.call(this, callback));
    };
    Object.defineProperty(prototype, 'onField', {
      configurable: true,
      writable: true,
      value: deferred,
    });
    undo.push(() => {
      delete (prototype as { onField?: OnField }).onField;
      // Ours shadowed an inherited method; had the prototype its own, it is put back.
      if (prototype.onField !== onField) prototype.onField = onField;
    });
  }
  for (const prototype of [GraphQLObjectType.prototype, GraphQLInterfaceType.prototype]) {
    const graphqlGetFields = prototype.getFields;
    prototype.getFields = function (this: FieldsOwner) {
      if (this.name.startsWith('__') || eager.has(this.name)) return graphqlGetFields.call(this);
      return {};
    } as typeof graphqlGetFields;
    undo.push(() => {
      prototype.getFields = graphqlGetFields;
    });
  }
  try {
    return build();
  } finally {
    for (const step of undo) step();
  }
}

/**
 * Calls `patch` with a type's fields once they are built, without building them now: the type's
 * own `getFields` stands in until its first call, then hands back to graphql's.
 */
export function whenFieldsBuilt<T extends FieldsOwner>(
  type: T,
  patch: (fields: ReturnType<T['getFields']>) => void,
): void {
  Object.defineProperty(type, 'getFields', {
    configurable: true,
    writable: true,
    value: function getFieldsOnce(this: T) {
      delete (type as { getFields?: unknown }).getFields;
      const fields = type.getFields() as ReturnType<T['getFields']>;
      patch(fields);
      return fields;
    },
  });
}
