import { GraphQLInterfaceType, GraphQLObjectType } from 'graphql';

/** What lazyFieldsDuring needs of the builder: the field configs its plugins will see. */
export interface FieldConfigSource {
  configStore: {
    getFields(name: string): ReadonlyMap<string, { pothosOptions: object }>;
  };
}

type FieldsOwner = GraphQLObjectType | GraphQLInterfaceType;

/**
 * Runs `build` (Pothos's `toSchema`) with the fields of object and interface types left unbuilt:
 * each type defines its fields on first use (graphql's own `getFields` thunk), so a cold isolate
 * builds the few types its first operation touches, not the ~2,000 fields of the whole API.
 *
 * `toSchema` asks every type for its fields twice, only to walk them: Pothos's build loop, and
 * `new GraphQLSchema` collecting referenced types. Neither needs them here: Pothos passes every
 * type it built in `types`, so the type map is complete without a walk through fields. While
 * `build` runs, `getFields` of a type built by `build` answers an empty map instead of running its
 * thunk, which stays in place for the first real use.
 *
 * A type stays eager when building its fields creates types: the errors plugin makes a mutation's
 * result union while it builds the field (`errors` or `itemErrors`), and a type made after the
 * schema would be missing from its type map. graphql's introspection types (`__Schema`...) are
 * never deferred.
 *
 * test/graphql/schema.test.ts checks the outcome against a schema built eagerly by the same builder
 * (same type map, same printed schema); `npm run schema:check` prints every field too.
 */
export function lazyFieldsDuring<T>(builder: FieldConfigSource, build: () => T): T {
  const eager = new Map<string, boolean>();
  const createsTypes = (type: FieldsOwner): boolean => {
    let answer = eager.get(type.name);
    if (answer === undefined) {
      answer = [type, ...type.getInterfaces()].some((owner) =>
        [...builder.configStore.getFields(owner.name).values()].some(
          ({ pothosOptions }) => 'errors' in pothosOptions || 'itemErrors' in pothosOptions,
        ),
      );
      eager.set(type.name, answer);
    }
    return answer;
  };
  const restore: (() => void)[] = [];
  for (const prototype of [GraphQLObjectType.prototype, GraphQLInterfaceType.prototype]) {
    const getFields = prototype.getFields;
    const deferred = function (this: FieldsOwner) {
      if (this.name.startsWith('__') || createsTypes(this)) return getFields.call(this);
      return {};
    } as typeof getFields;
    prototype.getFields = deferred;
    restore.push(() => {
      prototype.getFields = getFields;
    });
  }
  try {
    return build();
  } finally {
    for (const undo of restore) undo();
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
