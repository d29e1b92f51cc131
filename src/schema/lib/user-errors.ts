import { GraphQLError } from 'graphql';
import { NotFoundError, RegistryError, ValidationError } from '../../registry/errors.ts';

/**
 * For query fields, which have no error union: a registry error becomes a top-level GraphQL error
 * with a code and the argument it is about, instead of being masked as an internal error.
 */
export async function withUserErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RegistryError) {
      const code =
        error instanceof ValidationError
          ? 'BAD_USER_INPUT'
          : error instanceof NotFoundError
            ? 'NOT_FOUND'
            : 'BAD_REQUEST';
      throw new GraphQLError(error.message, {
        extensions: { code, argument: error.path.join('.') || undefined },
      });
    }
    throw error;
  }
}
