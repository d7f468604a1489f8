/**
 * The rerank codecs, one file each, and the one place that maps a {@link RerankMode} to its
 * codec. Callers import the contract from `codec.ts` and make codecs here.
 */
import { InvalidConfigError } from '../../errors.js';
import type { RerankMode } from '../types.js';
import type { VectorCodec } from './codec.js';
import { Float16Codec } from './float16.js';
import { Float32Codec } from './float32.js';
import { Int8Codec } from './int8.js';
import { NoCodec } from './none.js';
import { PqCodec } from './pq.js';
import { Pq4Codec } from './pq4.js';
import { Sq4Codec } from './sq4.js';

/** Creates an (untrained, where it needs training) codec of the given mode. */
export function createCodec(mode: RerankMode, d: number, pqSubvectors: number): VectorCodec {
  switch (mode) {
    case 'float32':
      return new Float32Codec(d);
    case 'float16':
      return new Float16Codec(d);
    case 'int8':
      return new Int8Codec(d);
    case 'pq':
      if (d % pqSubvectors !== 0) throw new InvalidConfigError('pqSubvectors', `must divide d=${d}, got ${pqSubvectors}`);
      return new PqCodec(d, pqSubvectors);
    case 'sq4':
      return new Sq4Codec(d);
    case 'pq4':
      return new Pq4Codec(d);
    case 'none':
      return new NoCodec();
  }
}
