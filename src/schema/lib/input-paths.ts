import { atPath, RegistryError } from '../../registry/errors.ts';

/**
 * Runs the part of a mutation whose error paths are relative to the mutation's input: the services
 * report `['tags', '3']`, and every mutation takes its input as the argument `input`, so the client
 * reads `['input', 'tags', '3']`.
 */
export async function withInputPaths<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof RegistryError) throw atPath(error, ['input', ...error.path]);
    throw error;
  }
}
