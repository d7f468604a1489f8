import { describe, expect, it } from 'vitest';
import { formatGlossaryEntry } from './entry-text.js';

const jwt = { key: 'JWT', value: 'JSON Web Token', description: 'A signed token' };

describe('formatGlossaryEntry', () => {
  it('reads "KEY: value. description." by default', () => {
    expect(formatGlossaryEntry(jwt)).toBe('JWT: JSON Web Token. A signed token.');
  });

  it('leaves the last part as written with finalStop: false, but still separates value and description', () => {
    expect(formatGlossaryEntry(jwt, { finalStop: false })).toBe('JWT: JSON Web Token. A signed token');
    expect(formatGlossaryEntry({ key: 'k8s', value: 'Kubernetes', description: ' ' }, { finalStop: false })).toBe('k8s: Kubernetes');
  });

  it('adds no second stop after a part that already ends a sentence, and trims value and description', () => {
    expect(formatGlossaryEntry({ key: 'Q', value: ' Why? ', description: 'Ask (often).' })).toBe('Q: Why? Ask (often).');
    expect(formatGlossaryEntry({ key: 'RTFM', value: 'Read the manual!', description: 'Said to askers.' }, { finalStop: false })).toBe(
      'RTFM: Read the manual! Said to askers.',
    );
    expect(formatGlossaryEntry({ key: 'See', value: 'the "manual."', description: '' })).toBe('See: the "manual."');
  });

  it('omits a blank description', () => {
    expect(formatGlossaryEntry({ key: 'k8s', value: 'Kubernetes', description: '  ' })).toBe('k8s: Kubernetes.');
  });
});
