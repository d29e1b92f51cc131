import { GraphQLError } from 'graphql';
import { NotFoundError, RegistryError, ValidationError } from '../../registry/errors.ts';

/**
 * For query fields, which have no error union: a registry error becomes a top-level GraphQL error
 * with a code and the argument it is about, instead of being masked as an internal error. The
 * argument is the error's path joined with dots, or what `argumentsByPath` renames that path to when the
 * service's input is not shaped like the field's arguments (`{ 'page.after': 'after' }`).
 */
export async function withUserErrors<T>(
  run: () => Promise<T>,
  argumentsByPath: Record<string, string> = {},
): Promise<T> {
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
      const path = error.path.join('.');
      const argument = Object.hasOwn(argumentsByPath, path) ? argumentsByPath[path] : path;
      throw new GraphQLError(error.message, {
        extensions: { code, argument: argument || undefined },
      });
    }
    throw error;
  }
}
