/**
 * Every error that `@srm/core` throws on purpose is an {@link SRMError}: one
 * base class with a stable `.code`, subclasses by cause, and a message that
 * says what was expected and what came. Adapters rethrow these unchanged.
 *
 * @packageDocumentation
 */

/** Stable, machine-readable error codes. Never renumbered or renamed. */
export const ErrorCodes = {
  INVALID_INPUT: 'SRM_INVALID_INPUT',
  INVALID_CONFIG: 'SRM_INVALID_CONFIG',
  DIMENSION_MISMATCH: 'SRM_DIMENSION_MISMATCH',
  NOT_FOUND: 'SRM_NOT_FOUND',
  STORAGE_UNAVAILABLE: 'SRM_STORAGE_UNAVAILABLE',
  STORAGE_LOCKED: 'SRM_STORAGE_LOCKED',
  CORRUPT_DATA: 'SRM_CORRUPT_DATA',
  LIMIT_EXCEEDED: 'SRM_LIMIT_EXCEEDED',
  TOKENIZER: 'SRM_TOKENIZER',
  CLOSED: 'SRM_CLOSED',
  BACKGROUND_WORK: 'SRM_BACKGROUND_WORK',
} as const;

/** One of the values of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * Marks an error that must extend a framework's own error class (so that the framework's
 * `instanceof` checks hold, e.g. LangGraph's `InvalidNamespaceError`) and therefore cannot
 * extend {@link SRMError}. Its value is the SRMError subclass the error stands for; `instanceof`
 * that class (and its bases, `SRMError` included) then holds. The error must also carry `code`.
 */
export const SRM_ERROR_CLASS: unique symbol = Symbol.for('@srm/core.SrmErrorClass');

/** Base class of every error thrown on purpose by `@srm/core`. */
export class SRMError extends Error {
  /** Stable code from {@link ErrorCodes}; match on this rather than on the message. */
  readonly code: ErrorCode;

  /**
   * The prototype chain, or else the class an error claims with {@link SRM_ERROR_CLASS}: an
   * error can have one base class only, and an adapter's error may need a framework's.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, x)) return true;
    if (typeof x !== 'object' || x === null) return false;
    const claimed = (x as { [SRM_ERROR_CLASS]?: unknown })[SRM_ERROR_CLASS];
    return typeof claimed === 'function' && (claimed === this || claimed.prototype instanceof this);
  }

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** An argument has the wrong type, shape or value (NaN, empty text, duplicate id in a batch, ...). */
export class InvalidInputError extends SRMError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.INVALID_INPUT, message, options);
  }
}

/** A configuration field is invalid. `field` names it, e.g. `"m"`. */
export class InvalidConfigError extends SRMError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(ErrorCodes.INVALID_CONFIG, `invalid config field "${field}": ${message}`);
    this.field = field;
  }
}

/** A vector's length differs from the memory's dimension `d`. */
export class DimensionMismatchError extends SRMError {
  readonly expected: number;
  readonly actual: number;
  constructor(expected: number, actual: number, where = 'vector') {
    super(ErrorCodes.DIMENSION_MISMATCH, `${where} has dimension ${actual}, expected d=${expected}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** An id (or key) that must exist does not. */
export class NotFoundError extends SRMError {
  readonly ids: readonly string[];
  constructor(what: string, ids: readonly string[]) {
    const shown = ids
      .slice(0, 5)
      .map((id) => JSON.stringify(id))
      .join(', ');
    super(ErrorCodes.NOT_FOUND, `${what} not found: ${shown}${ids.length > 5 ? ` (+${ids.length - 5} more)` : ''}`);
    this.ids = ids;
  }
}

/**
 * The storage backend could not be reached or refused an operation
 * (Qdrant down, timeout, HTTP 4xx/5xx, disk full). `operation` and
 * `collection` say what was being done where; nothing was acknowledged.
 */
export class StorageUnavailableError extends SRMError {
  readonly operation: string;
  readonly collection: string | undefined;
  readonly status: number | undefined;
  constructor(operation: string, collection: string | undefined, detail: string, options?: { cause?: unknown; status?: number }) {
    super(ErrorCodes.STORAGE_UNAVAILABLE, `storage operation "${operation}"${collection ? ` on collection "${collection}"` : ''} failed: ${detail}`, options);
    this.operation = operation;
    this.collection = collection;
    this.status = options?.status;
  }
}

/** Another live process holds the memory directory. */
export class StorageLockedError extends SRMError {
  readonly path: string;
  constructor(path: string, detail: string) {
    super(ErrorCodes.STORAGE_LOCKED, `memory directory "${path}" is locked: ${detail}`);
    this.path = path;
  }
}

/** A persisted file is truncated, corrupted or of an unknown format version. `file` names it. */
export class CorruptDataError extends SRMError {
  readonly file: string;
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super(ErrorCodes.CORRUPT_DATA, `corrupt data in "${file}": ${detail}`, options);
    this.file = file;
  }
}

/** A documented limit (dimension, text size, batch size, items) was exceeded. */
export class LimitExceededError extends SRMError {
  readonly limit: string;
  readonly max: number;
  readonly actual: number;
  constructor(limit: string, max: number, actual: number) {
    super(ErrorCodes.LIMIT_EXCEEDED, `${limit} is ${actual}, the maximum is ${max}`);
    this.limit = limit;
    this.max = max;
    this.actual = actual;
  }
}

/** A tokenizer file is missing or corrupt, or a text cannot be tokenized. */
export class TokenizerError extends SRMError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.TOKENIZER, message, options);
  }
}

/** The memory or storage was closed and cannot be used any more. */
export class ClosedError extends SRMError {
  constructor(what: string) {
    super(ErrorCodes.CLOSED, `${what} is closed`);
  }
}

/**
 * Background work (a refit's training and routing, run in a worker thread) failed: the worker
 * crashed, or threw. The live routing layer keeps serving and the memory stays usable; the cause
 * is in `cause`.
 */
export class BackgroundWorkError extends SRMError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.BACKGROUND_WORK, message, options);
  }
}
