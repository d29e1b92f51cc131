import {
  checkTags,
  type KeyValue,
  MAX_EXPERIMENT_TAG_VAL_LENGTH,
} from '../tracking/entity-keys.ts';

/** Experiment tags as MLflow checks them (values up to 5,000 characters). */
export function checkExperimentTags(
  tags: readonly KeyValue[],
  path: readonly string[],
): KeyValue[] {
  return checkTags(tags, path.join('.'), MAX_EXPERIMENT_TAG_VAL_LENGTH);
}
