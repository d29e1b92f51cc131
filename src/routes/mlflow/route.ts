import type { Context } from '../../context.ts';
import type { MlflowParams } from './params.ts';

/** One MLflow endpoint, under /api/2.0/mlflow/ (and /ajax-api/2.0/mlflow/). */
export interface MlflowRoute {
  /** After the prefix: "runs/log-batch". */
  path: string;
  methods: readonly ('GET' | 'POST' | 'PATCH' | 'DELETE')[];
  /** Changes something: needs the EDITOR or ADMIN role. */
  write?: boolean;
  handle(params: MlflowParams, context: Context): Promise<Record<string, unknown>>;
}
