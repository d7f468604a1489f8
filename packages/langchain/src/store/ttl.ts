/**
 * Time to live of LangGraph store items, in the style of LangGraph's PostgresStore: a
 * default TTL in minutes, a per-put `ttl`, refresh on read, and a sweep that deletes
 * expired items. An expired item is invisible at once (get, search, listNamespaces) and
 * gone from storage after the next sweep.
 */
import { InvalidConfigError, InvalidInputError } from '@srm/core';
import type { PayloadFilter } from '@srm/core';

/** TTL options of {@link SRMStore}; the shape of LangGraph's `TTLConfig` (PostgresStore). All optional. */
export interface SRMStoreTtlConfig {
  /**
   * Minutes an item lives after its put, or after its last refresh, when the put gives no
   * `ttl`. Default: none, items never expire. Any positive number (fractions allowed).
   */
  defaultTtl?: number;
  /**
   * Whether `get` and `search` refresh the expiry of the items they return (each then lives
   * its own `ttl` again from the read). Default true, as in LangGraph. A read's `refreshTtl`
   * overrides it. A refresh rewrites the item's records: a read becomes a write.
   */
  refreshOnRead?: boolean;
  /**
   * Minutes between automatic sweeps, which delete expired items from storage. Default: no
   * automatic sweep (call `sweepExpiredItems()`); expired items are invisible either way.
   */
  sweepIntervalMinutes?: number;
}

/** {@link SRMStoreTtlConfig} with defaults applied. */
export interface ResolvedTtlConfig {
  defaultTtl: number | null;
  refreshOnRead: boolean;
  sweepIntervalMinutes: number | null;
}

/** Longest TTL, in minutes (100 years): keeps `now + ttl` an exact integer of milliseconds. */
export const MAX_TTL_MINUTES = 100 * 365.25 * 24 * 60;

const MS_PER_MINUTE = 60_000;

function isMinutes(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 && x <= MAX_TTL_MINUTES;
}

/**
 * Checks the `ttl` option and applies its defaults.
 * @throws InvalidConfigError naming the field.
 */
export function resolveTtlConfig(ttl: SRMStoreTtlConfig | undefined): ResolvedTtlConfig {
  if (ttl === undefined) return { defaultTtl: null, refreshOnRead: true, sweepIntervalMinutes: null };
  if (typeof ttl !== 'object' || ttl === null || Array.isArray(ttl)) throw new InvalidConfigError('ttl', `expected an object, got ${JSON.stringify(ttl)}`);
  for (const field of ['defaultTtl', 'sweepIntervalMinutes'] as const) {
    if (ttl[field] !== undefined && !isMinutes(ttl[field])) {
      throw new InvalidConfigError(`ttl.${field}`, `expected minutes, a number in (0, ${MAX_TTL_MINUTES}], got ${JSON.stringify(ttl[field])}`);
    }
  }
  if (ttl.refreshOnRead !== undefined && typeof ttl.refreshOnRead !== 'boolean') {
    throw new InvalidConfigError('ttl.refreshOnRead', `expected a boolean, got ${JSON.stringify(ttl.refreshOnRead)}`);
  }
  return { defaultTtl: ttl.defaultTtl ?? null, refreshOnRead: ttl.refreshOnRead ?? true, sweepIntervalMinutes: ttl.sweepIntervalMinutes ?? null };
}

/**
 * Checks a put's `ttl`: minutes, `null` for "never expires", or undefined for the default.
 * @throws InvalidInputError naming the operation.
 */
export function checkPutTtl(ttl: unknown, where: string): number | null | undefined {
  if (ttl === undefined || ttl === null) return ttl;
  if (!isMinutes(ttl)) throw new InvalidInputError(`${where}: ttl must be minutes, a number in (0, ${MAX_TTL_MINUTES}], or null; got ${JSON.stringify(ttl)}`);
  return ttl;
}

/** The expiry (ms since the epoch) of an item with `ttl` minutes, written or refreshed at `now`; null without a TTL. */
export function expiryOf(ttl: number | null, now: number): number | null {
  return ttl === null ? null : now + Math.round(ttl * MS_PER_MINUTE);
}

/** Whether an item with this expiry is expired at `now` (an item expires at its expiry instant). */
export function isExpired(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && expiresAt <= now;
}

/** The payload filter "not expired at `now`", for records whose `expiresAt` is absent, null or a time. */
export function liveAt(now: number): PayloadFilter {
  return {
    or: [
      { field: 'expiresAt', op: 'exists', value: false },
      { field: 'expiresAt', op: 'gt', value: now },
    ],
  };
}
