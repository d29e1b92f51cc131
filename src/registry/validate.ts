import { ValidationError } from './errors.ts';

/** Trims and checks a required name-like string. */
export function requireName(
  value: string,
  path: readonly string[],
  options: { max?: number; pattern?: RegExp; patternHint?: string } = {},
): string {
  const max = options.max ?? 200;
  const trimmed = value.trim();
  if (trimmed.length === 0) throw new ValidationError('Must not be empty', path);
  if (trimmed.length > max) throw new ValidationError(`Must be at most ${max} characters`, path);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: detecting them is the point
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new ValidationError('Must not contain control characters', path);
  }
  if (options.pattern && !options.pattern.test(trimmed)) {
    throw new ValidationError(options.patternHint ?? 'Has an invalid format', path);
  }
  return trimmed;
}

export function optionalText(
  value: string | null | undefined,
  path: readonly string[],
  max = 10_000,
): string | null {
  if (value === null || value === undefined) return null;
  if (value.length > max) throw new ValidationError(`Must be at most ${max} characters`, path);
  return value;
}

/** The time-ordered string we store (ISO-8601 UTC), from a Date given by the client. */
export function isoDate(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}
