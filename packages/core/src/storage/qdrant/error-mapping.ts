/**
 * Maps whatever the REST client throws (undici network errors, aborts,
 * `ApiError` with an HTTP status) to a {@link StorageUnavailableError} that
 * names the operation and the collection, and decides what is worth a retry.
 */
import { SRMError, StorageUnavailableError } from '../../errors.js';
import type { QdrantClientModule } from './client-module.js';

/** The client's own error classes, from the loaded package (see `client-module.ts`). */
export type ClientErrorClasses = Pick<
  QdrantClientModule,
  'QdrantClientResourceExhaustedError' | 'QdrantClientTimeoutError' | 'QdrantClientUnexpectedResponseError'
>;

/** What a failed call looked like, reduced to what the backend acts on. */
export interface FailureInfo {
  /** HTTP status, when the server answered. */
  status: number | undefined;
  /** Worth retrying: the server was unreachable, slow, overloaded or failing (429, 5xx). */
  transient: boolean;
  /** Server-suggested delay before a retry, in ms (HTTP 429 `Retry-After`). */
  retryAfterMs: number | undefined;
  /** One line for the error message. */
  detail: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

function errorCode(err: unknown): string | undefined {
  // undici wraps the socket error: TypeError('fetch failed', { cause: { code } }).
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Text of the server's error body (`{"status":{"error":"..."}}`), if any. */
function serverMessage(data: unknown): string | undefined {
  if (typeof data === 'string') return data.slice(0, 300);
  if (data && typeof data === 'object') {
    const status = (data as { status?: unknown }).status;
    if (status && typeof status === 'object' && typeof (status as { error?: unknown }).error === 'string') {
      return (status as { error: string }).error.slice(0, 300);
    }
  }
  return undefined;
}

/** Classifies a failure of one client call. */
export function describeFailure(err: unknown, client: ClientErrorClasses): FailureInfo {
  if (err instanceof client.QdrantClientTimeoutError) {
    return { status: undefined, transient: true, retryAfterMs: undefined, detail: 'request timed out' };
  }
  if (err instanceof client.QdrantClientResourceExhaustedError) {
    return {
      status: 429,
      transient: true,
      retryAfterMs: Number.isFinite(err.retry_after) ? err.retry_after * 1000 : undefined,
      detail: `HTTP 429 (rate limited): ${err.message}`,
    };
  }
  if (err instanceof client.QdrantClientUnexpectedResponseError) {
    return { status: undefined, transient: false, retryAfterMs: undefined, detail: err.message.split('\n')[0] ?? err.message };
  }
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 100) {
    const text = serverMessage((err as { data?: unknown }).data);
    return {
      status,
      transient: status === 429 || status >= 500,
      retryAfterMs: undefined,
      detail: `HTTP ${status}${text ? `: ${text}` : ''}`,
    };
  }
  const code = errorCode(err);
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return { status: undefined, transient: true, retryAfterMs: undefined, detail: `server unreachable (${code})` };
  }
  if (err instanceof Error && err.name === 'AbortError') {
    return { status: undefined, transient: true, retryAfterMs: undefined, detail: 'request aborted' };
  }
  if (err instanceof TypeError && err.message === 'fetch failed') {
    return { status: undefined, transient: true, retryAfterMs: undefined, detail: 'server unreachable (fetch failed)' };
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { status: undefined, transient: false, retryAfterMs: undefined, detail: `unexpected error: ${message}` };
}

/**
 * The error to throw for a failed call after `attempts` tries. Errors that
 * are already {@link SRMError}s pass through unchanged.
 */
export function toStorageError(err: unknown, client: ClientErrorClasses, operation: string, collection: string | undefined, attempts: number): SRMError {
  if (err instanceof SRMError) return err;
  const info = describeFailure(err, client);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  return new StorageUnavailableError(operation, collection, `${info.detail}${tries}`, {
    cause: err,
    ...(info.status !== undefined ? { status: info.status } : {}),
  });
}
