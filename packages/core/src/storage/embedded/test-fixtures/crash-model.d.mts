// Types of crash-model.mjs (plain JS so that it is not part of the package build).
import type { SrmRecord, SrmStoreSpec } from '../../types.js';

export declare const CRASH_SPEC: SrmStoreSpec;
export declare const ITEMS: number;
export declare function batchOf(b: number): { upserts: SrmRecord[]; deleteIds: string[] };
export declare function modelAfter(last: number): Map<string, SrmRecord>;
