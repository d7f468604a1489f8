import type { MemorizeInput } from '../validation.js';
export declare const FIXTURE_ENTRIES: MemorizeInput[];
