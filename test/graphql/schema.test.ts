import {
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  lexicographicSortSchema,
  printSchema,
  validateSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import committedSchema from '../../schema.graphql?raw';
import { schema } from '../../src/schema/index.ts';

describe('schema.graphql', () => {
  it('matches the schema printed from the code (run `npm run schema:print` after changes)', () => {
    expect(committedSchema).toBe(`${printSchema(lexicographicSortSchema(schema))}\n`);
  });

  it('is a valid type system (the Worker skips this check at startup: src/schema/index.ts)', () => {
    // Given a copy of the schema graphql has not been told is valid
    const copy = new GraphQLSchema({ ...schema.toConfig(), assumeValid: false });
    // Then graphql's own schema validation finds nothing
    expect(validateSchema(copy).map((error) => error.message)).toEqual([]);
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) {
          if (!value.description) missing.push(`${type.name}.${value.name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
