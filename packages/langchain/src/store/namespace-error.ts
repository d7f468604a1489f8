/**
 * The error of a bad namespace: LangGraph's own `InvalidNamespaceError`, which is also an
 * `InvalidInputError` (so an `SRMError`) of `@srm/core`.
 */
import { InvalidNamespaceError } from '@langchain/langgraph-checkpoint';
import { ErrorCodes, InvalidInputError, SRM_ERROR_CLASS } from '@srm/core';

/**
 * Thrown by {@link SRMStore} for a bad namespace, where every LangGraph store throws
 * LangGraph's `InvalidNamespaceError`: code that catches that error catches this one.
 * It is also an `InvalidInputError` and an `SRMError` of `@srm/core`, with `code`
 * `"SRM_INVALID_INPUT"`, as before.
 *
 * Why not a subclass of `SRMError`: a class has one base, and `instanceof
 * InvalidNamespaceError` holds only along the prototype chain of LangGraph's class. So this
 * class extends LangGraph's, and claims `InvalidInputError` with core's `SRM_ERROR_CLASS`,
 * which `SRMError`'s `Symbol.hasInstance` honours. This is the one error class outside core's
 * `errors.ts`.
 */
export class SRMInvalidNamespaceError extends InvalidNamespaceError {
  /** Stable code of `@srm/core`'s `ErrorCodes`. */
  readonly code = ErrorCodes.INVALID_INPUT;
  readonly [SRM_ERROR_CLASS] = InvalidInputError;

  constructor(message: string) {
    super(message);
    // LangGraph's name, so logs and `err.name` checks read as LangGraph's.
    this.name = 'InvalidNamespaceError';
  }
}
