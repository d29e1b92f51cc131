// MLflow's rules for the keys and values of params, metrics and tags (mlflow/utils/validation.py),
// with its messages, for runs, experiments and registered models alike.
import { ValidationError } from '../errors.ts';

export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 8000;
export const MAX_EXPERIMENT_TAG_VAL_LENGTH = 5000;
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;

export interface KeyValue {
  key: string;
  value: string;
}

// MLflow's key rule: alphanumerics, underscores, dashes, periods, spaces and slashes, and a key
// must not resolve to another path ("a/../b").
const KEY_PATTERN = /^[/\w.\- ]*$/;

export function checkKey(key: unknown, path: readonly string[], noun: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new ValidationError(`Missing value for required parameter '${path.join('.')}'`, path);
  }
  if (!KEY_PATTERN.test(key)) {
    throw new ValidationError(
      `Invalid ${noun} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
      path,
    );
  }
  const segments = key.split('/');
  if (key.startsWith('/') || segments.some((segment) => segment === '.' || segment === '..')) {
    throw new ValidationError(
      `Invalid ${noun} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.`,
      path,
    );
  }
  if (key.length > MAX_ENTITY_KEY_LENGTH) {
    throw new ValidationError(
      `${noun[0]?.toUpperCase()}${noun.slice(1)} name '${key.slice(0, 20)}...' had length ${key.length}, which exceeded length limit of ${MAX_ENTITY_KEY_LENGTH}`,
      path,
    );
  }
  return key;
}

export function checkValue(
  value: unknown,
  max: number,
  path: readonly string[],
  noun: string,
): string {
  const text = value === null || value === undefined ? '' : String(value);
  if (text.length > max) {
    throw new ValidationError(
      `${noun} value '${text.slice(0, 20)}...' had length ${text.length}, which exceeded length limit of ${max}`,
      path,
    );
  }
  return text;
}

export function checkTags(
  tags: readonly KeyValue[],
  path: string,
  max = MAX_TAG_VAL_LENGTH,
): KeyValue[] {
  return tags.map((tag, index) => ({
    key: checkKey(tag.key, [path, String(index), 'key'], 'tag'),
    value: checkValue(tag.value, max, [path, String(index), 'value'], 'Tag'),
  }));
}
