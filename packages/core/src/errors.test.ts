import { describe, expect, it } from 'vitest';
import { ClosedError, ErrorCodes, InvalidConfigError, InvalidInputError, SRM_ERROR_CLASS, SRMError } from './errors.js';

/** Stands for a framework's error class that an adapter's error must extend. */
class FrameworkError extends Error {}

class AdapterError extends FrameworkError {
  readonly code = ErrorCodes.INVALID_INPUT;
  readonly [SRM_ERROR_CLASS] = InvalidInputError;
}

describe('SRMError instanceof', () => {
  it('holds along the prototype chain', () => {
    const err = new InvalidInputError('bad');
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toBeInstanceOf(SRMError);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(InvalidConfigError);
  });

  it('holds for an error that claims an SRMError class with SRM_ERROR_CLASS, and for that class only', () => {
    const err = new AdapterError('bad');
    expect(err).toBeInstanceOf(FrameworkError);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err).toBeInstanceOf(SRMError);
    expect(err).not.toBeInstanceOf(InvalidConfigError);
    expect(err).not.toBeInstanceOf(ClosedError);
    expect(() => {
      throw err;
    }).toThrow(SRMError);
  });

  it('does not hold for other values', () => {
    for (const x of [
      null,
      undefined,
      1,
      'SRMError',
      new Error('x'),
      { code: ErrorCodes.INVALID_INPUT },
      { [SRM_ERROR_CLASS]: 'InvalidInputError' },
      { [SRM_ERROR_CLASS]: Error },
    ]) {
      expect(x instanceof SRMError).toBe(false);
    }
  });
});
