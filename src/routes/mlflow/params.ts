// MLflow's request fields, from a GET query string or a POST JSON body (MLflow accepts each
// endpoint in one of the two forms; the same reader serves both), with MLflow's messages.
import { MlflowError } from './errors.ts';

export class MlflowParams {
  private readonly fields: Record<string, unknown>;
  /** The query string of a GET, whose repeated keys are MLflow's repeated fields. */
  private readonly query: URLSearchParams | null;

  constructor(fields: Record<string, unknown>, query: URLSearchParams | null) {
    this.fields = fields;
    this.query = query;
  }

  static async of(request: Request, url: URL): Promise<MlflowParams> {
    if (request.method === 'GET' || request.method === 'HEAD') {
      return new MlflowParams(Object.fromEntries(url.searchParams), url.searchParams);
    }
    const text = await request.text();
    // A DELETE may carry its fields in the query string instead of a body.
    if (text.trim() === '' && request.method === 'DELETE' && url.search) {
      return new MlflowParams(Object.fromEntries(url.searchParams), url.searchParams);
    }
    if (text.trim() === '') return new MlflowParams({}, null);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new MlflowError('MALFORMED_REQUEST', 'Malformed request: the body is not valid JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new MlflowError(
        'MALFORMED_REQUEST',
        'Malformed request: the body must be a JSON object',
      );
    }
    return new MlflowParams(body as Record<string, unknown>, null);
  }

  private missing(name: string): never {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
    );
  }

  private invalid(name: string, value: unknown, expected: string): never {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: ${expected}`,
    );
  }

  has(name: string): boolean {
    const value = this.fields[name];
    return value !== undefined && value !== null && value !== '';
  }

  string(name: string): string | null {
    const value = this.fields[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') this.invalid(name, value, 'expected a string');
    return value;
  }

  requiredString(name: string, ...aliases: string[]): string {
    for (const field of [name, ...aliases]) {
      const value = this.string(field);
      if (value) return value;
    }
    return this.missing(name);
  }

  /** An int64 field: JSON numbers or strings of digits (protobuf's JSON form of int64). */
  integer(name: string): number | null {
    const value = this.fields[name];
    if (value === undefined || value === null || value === '') return null;
    const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
      this.invalid(name, value, 'expected an integer');
    }
    return number;
  }

  /** A version string, which some clients send as a JSON number. */
  requiredVersion(name: string): string {
    const value = this.fields[name];
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    return this.requiredString(name);
  }

  /** A bool: JSON true/false, or "true"/"false" in a query string. */
  boolean(name: string): boolean | null {
    const value = this.fields[name];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return this.invalid(name, value, 'expected a boolean');
  }

  requiredInteger(name: string): number {
    return this.integer(name) ?? this.missing(name);
  }

  /** A double: a JSON number, or the strings protobuf's JSON uses for NaN and the infinities. */
  requiredDouble(name: string): number {
    const value = this.fields[name];
    if (value === undefined || value === null) return this.missing(name);
    return doubleOf(value) ?? this.invalid(name, value, 'expected a number');
  }

  /** A repeated string field: repeated query keys, or a JSON array. */
  strings(name: string): string[] {
    if (this.query) return this.query.getAll(name);
    const value = this.fields[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      this.invalid(name, value, 'expected a list of strings');
    }
    return value as string[];
  }

  /** A repeated message field (POST only): a JSON array of objects. */
  objects(name: string): Record<string, unknown>[] {
    const value = this.fields[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'object' || item === null)) {
      this.invalid(name, value, 'expected a list of objects');
    }
    return value as Record<string, unknown>[];
  }

  keyValues(name: string): { key: string; value: string }[] {
    return this.objects(name).map((entry) => ({
      key: entry.key as string,
      value: entry.value === undefined || entry.value === null ? '' : String(entry.value),
    }));
  }
}

export function doubleOf(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return null;
}

/** MLflow's page tokens: base64 of `{"offset": n}`. */
export function offsetOf(token: string | null): number {
  if (!token) return 0;
  try {
    const parsed = JSON.parse(atob(token)) as { offset?: unknown };
    if (Number.isSafeInteger(parsed.offset) && (parsed.offset as number) >= 0) {
      return parsed.offset as number;
    }
  } catch {
    // answered below
  }
  throw new MlflowError('INVALID_PARAMETER_VALUE', 'Invalid page token, could not base64-decode');
}

export function offsetToken(offset: number | null): string | undefined {
  return offset === null ? undefined : btoa(JSON.stringify({ offset }));
}
