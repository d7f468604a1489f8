import { v5 as uuidv5, validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { GLOSSARY_NAMESPACE, glossaryId, glossaryIdName } from './ids.js';

describe('glossaryId', () => {
  it('is UUID5 of "{agentId}::{lowercased key}" under the documented namespace', () => {
    expect(GLOSSARY_NAMESPACE).toBe(uuidv5('srm:glossary', uuidv5.URL));
    const id = glossaryId('compliance_bot', 'PII');
    expect(validate(id) && version(id)).toBe(5);
    expect(id).toBe(uuidv5('compliance_bot::pii', GLOSSARY_NAMESPACE));
  });

  it('never changes (stored glossaries depend on it)', () => {
    expect(glossaryId('agent', 'JWT')).toBe('8b4a925b-a520-56bb-9bc1-443a7de5f9f9');
  });

  it('ignores the case of the key but not of the agent', () => {
    expect(glossaryId('a', 'Kubernetes')).toBe(glossaryId('a', 'KUBERNETES'));
    expect(glossaryId('A', 'k')).not.toBe(glossaryId('a', 'k'));
  });

  it('builds the name the issue specifies', () => {
    expect(glossaryIdName('a', 'B::C')).toBe('a::b::c');
  });
});
