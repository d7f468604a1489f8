import type { MemorizeInput } from '../validation.js';
export declare const AGENT: string;
export declare function operationOf(n: number): { memorize: MemorizeInput; forget: string | undefined };
export declare function keysAfter(last: number): Set<string>;
