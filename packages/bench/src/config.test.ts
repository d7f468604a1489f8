import { describe, expect, it } from 'vitest';
import { SUITES, UsageError, parseArgs } from './config.js';

describe('parseArgs', () => {
  it('defaults to a quick run of every suite into the default folder', () => {
    expect(parseArgs([], '/out')).toEqual({ size: 'quick', suites: [...SUITES], outDir: '/out' });
  });

  it('reads --size, --suite (comma list, deduplicated) and --out, with or without "="', () => {
    expect(parseArgs(['--size', 'full', '--suite', 'dense,wall,dense', '--out=/tmp/x'], '/out')).toEqual({
      size: 'full',
      suites: ['dense', 'wall'],
      outDir: '/tmp/x',
    });
    expect(parseArgs(['--size=quick', '--suite=glossary'], '/out').suites).toEqual(['glossary']);
  });

  it('rejects an unknown size, suite or flag, and a flag without its value', () => {
    expect(() => parseArgs(['--size', 'huge'], '/out')).toThrow(UsageError);
    expect(() => parseArgs(['--suite', 'dense,nope'], '/out')).toThrow(/nope/);
    expect(() => parseArgs(['--fast'], '/out')).toThrow(UsageError);
    expect(() => parseArgs(['--size'], '/out')).toThrow(/needs a value/);
    expect(() => parseArgs(['--size', '--suite', 'dense'], '/out')).toThrow(/needs a value/);
  });
});
