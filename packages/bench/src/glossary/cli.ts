/**
 * Standalone entry of the glossary benchmark:
 * `npx tsx src/glossary/cli.ts [--size quick|full] [--out DIR]` (from packages/bench).
 */
import { resolve } from 'node:path';
import { runGlossaryBench } from './index.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const size = arg('size', 'quick');
if (size !== 'quick' && size !== 'full') throw new Error(`--size must be quick or full, got ${size}`);
await runGlossaryBench({ size, outDir: resolve(arg('out', '../../docs/benchmarks')) });
