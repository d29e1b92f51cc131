// MLflow's error bodies (`{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": ...}`) with the HTTP
// statuses MLflow's server gives each code (mlflow/protos/databricks.proto ERROR_CODE_TO_HTTP_STATUS).
import { UnauthenticatedError } from '../../auth/unauthenticated.ts';
import {
  AlreadyExistsError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RegistryError,
} from '../../registry/errors.ts';
import { ApprovalRequiredError } from '../../registry/governance/governance-errors.ts';

export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'MALFORMED_REQUEST'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INVALID_STATE'
  | 'ENDPOINT_NOT_FOUND'
  | 'INTERNAL_ERROR';

const STATUS: Readonly<Record<MlflowErrorCode, number>> = {
  INVALID_PARAMETER_VALUE: 400,
  MALFORMED_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  INVALID_STATE: 400,
  ENDPOINT_NOT_FOUND: 404,
  INTERNAL_ERROR: 500,
};

export class MlflowError extends Error {
  readonly code: MlflowErrorCode;
  readonly status: number;

  constructor(code: MlflowErrorCode, message: string, status = STATUS[code]) {
    super(message);
    this.code = code;
    this.status = status;
  }

  toResponse(): Response {
    const headers: Record<string, string> = {};
    if (this.code === 'UNAUTHENTICATED') headers['WWW-Authenticate'] = 'Bearer';
    return Response.json(
      { error_code: this.code, message: this.message },
      { status: this.status, headers },
    );
  }
}

/** What a service threw, as MLflow would say it; anything unexpected is INTERNAL_ERROR. */
export function mlflowErrorOf(error: unknown): MlflowError {
  if (error instanceof MlflowError) return error;
  if (error instanceof UnauthenticatedError)
    return new MlflowError('UNAUTHENTICATED', error.message);
  if (error instanceof ForbiddenError) return new MlflowError('PERMISSION_DENIED', error.message);
  if (error instanceof NotFoundError)
    return new MlflowError('RESOURCE_DOES_NOT_EXIST', error.message);
  // A name or version taken is MLflow's RESOURCE_ALREADY_EXISTS; any other conflict (a version in
  // production or deployed, an approval missing) is a state the change may not start from.
  if (error instanceof AlreadyExistsError) {
    return new MlflowError('RESOURCE_ALREADY_EXISTS', error.message);
  }
  if (error instanceof ConflictError) return new MlflowError('INVALID_STATE', error.message);
  if (error instanceof ApprovalRequiredError)
    return new MlflowError('INVALID_STATE', error.message);
  if (error instanceof RegistryError)
    return new MlflowError('INVALID_PARAMETER_VALUE', error.message);
  console.error('mlflow route failed', error);
  return new MlflowError('INTERNAL_ERROR', 'Internal error');
}
