/**
 * One Qdrant connection shared by a backend and its stores: the client, the
 * resolved options, the closed flag, and {@link QdrantConnection.call}, which
 * every request goes through (retry with bounded exponential backoff, reply
 * shapes checked, then one typed error naming the operation and the collection).
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { ClosedError, StorageUnavailableError } from '../../errors.js';
import { loadQdrantClientModule, type QdrantClientModule } from './client-module.js';
import { describeFailure, toStorageError } from './error-mapping.js';
import type { ResolvedQdrantOptions } from './options.js';
import { replyShapes } from './reply-shapes.js';

/** A reply of the wrong shape (see `reply-shapes.ts`); becomes a StorageUnavailableError in {@link QdrantConnection.call}. */
class UnexpectedReply extends Error {
  constructor(
    readonly method: string,
    readonly problem: string,
  ) {
    super(`unexpected reply to ${method}: ${problem}`);
  }
}

/**
 * The client as the stores see it: each method's result is checked against its reply shape
 * before the caller touches it. A method without a shape is refused, so no reply goes unchecked.
 */
function checkedClient(client: QdrantClient): QdrantClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      const shape = replyShapes[prop];
      if (!shape) throw new Error(`QdrantConnection: no reply shape for client.${prop}; add one to reply-shapes.ts`);
      return async (...args: unknown[]) => {
        const reply: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        const problem = shape(reply);
        if (problem !== undefined) throw new UnexpectedReply(prop, problem);
        return reply;
      };
    },
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The client plus the policy around each call. Internal to the Qdrant backend. */
export class QdrantConnection {
  /** The client, with every reply checked (see {@link checkedClient}). */
  readonly client: QdrantClient;
  readonly options: ResolvedQdrantOptions;
  private readonly clientModule: QdrantClientModule;
  private closed = false;

  /** Loads the client package (once per process) and creates the client; sends no request. */
  static async open(options: ResolvedQdrantOptions): Promise<QdrantConnection> {
    return new QdrantConnection(options, await loadQdrantClientModule());
  }

  private constructor(options: ResolvedQdrantOptions, clientModule: QdrantClientModule) {
    this.options = options;
    this.clientModule = clientModule;
    this.client = checkedClient(
      // A given client is a QdrantClient; the option is typed by shape only (see QdrantClientInstance).
      (options.client as QdrantClient | undefined) ??
        new clientModule.QdrantClient({
          url: options.url!,
          ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
          timeout: options.timeoutMs,
          // The compatibility check is a fire-and-forget request that logs on failure;
          // `connect` checks reachability itself and reports it as a typed error.
          checkCompatibility: false,
        }),
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
  }

  /** Throws {@link ClosedError} once the backend is closed. */
  assertOpen(what: string): void {
    if (this.closed) throw new ClosedError(what);
  }

  /**
   * Runs one client call. Every call this backend makes is idempotent (reads,
   * upserts by id, deletes by id or filter, schema creation that tolerates
   * "already exists"), so transient failures are retried: up to
   * `retries` more attempts, waiting `backoffMs · 2^attempt` (capped at
   * `maxBackoffMs`, or the server's Retry-After) between them. A 4xx other
   * than 429 is not retried, nor is a reply of the wrong shape. The last
   * failure becomes a {@link StorageUnavailableError}.
   */
  async call<T>(operation: string, collection: string | undefined, fn: (client: QdrantClient) => Promise<T>): Promise<T> {
    this.assertOpen('Qdrant storage');
    const { retries, backoffMs, maxBackoffMs } = this.options;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(this.client);
      } catch (err) {
        if (err instanceof UnexpectedReply) {
          throw new StorageUnavailableError(operation, collection, `the server's reply does not look like Qdrant's (${err.message})`, { cause: err });
        }
        const info = describeFailure(err, this.clientModule);
        if (!info.transient || attempt >= retries || this.closed) {
          throw toStorageError(err, this.clientModule, operation, collection, attempt + 1);
        }
        const delay = Math.min(maxBackoffMs, info.retryAfterMs ?? backoffMs * 2 ** attempt);
        await sleep(delay);
      }
    }
  }
}
