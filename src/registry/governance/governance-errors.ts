import { RegistryError } from '../errors.ts';
import type { CheckStatus, CheckType } from './governance.ts';

/**
 * The organization's promotion policy is not met: the version has no approved request in which
 * every required check passed. Says what is missing, so the client knows what to ask for.
 */
export class ApprovalRequiredError extends RegistryError {
  /** Required checks without a passing result in any approved request of the version. */
  readonly missingChecks: readonly CheckType[];
  /** The latest result of each required check in the closest approved request, when one exists. */
  readonly checkStatuses: readonly { type: CheckType; status: CheckStatus }[];
  readonly approvedRequestExists: boolean;
  /** A request of the version still waiting for review, if any. */
  readonly pendingApprovalId: string | null;

  constructor(
    message: string,
    path: readonly string[],
    details: {
      missingChecks: readonly CheckType[];
      checkStatuses: readonly { type: CheckType; status: CheckStatus }[];
      approvedRequestExists: boolean;
      pendingApprovalId: string | null;
    },
  ) {
    super(message, path);
    this.missingChecks = details.missingChecks;
    this.checkStatuses = details.checkStatuses;
    this.approvedRequestExists = details.approvedRequestExists;
    this.pendingApprovalId = details.pendingApprovalId;
  }
}
