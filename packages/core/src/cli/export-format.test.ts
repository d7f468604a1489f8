/** The SRM config of an export, read back into open() options. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../srm/config.js';
import { exportConfig, importConfig, importOptions } from './export-format.js';

describe('importOptions', () => {
  it('leaves a K and m that followed the item count to the default, so they go on following it', () => {
    const options = importOptions(exportConfig(resolveConfig({ d: 8 })));
    expect(options).not.toHaveProperty('K');
    expect(options).not.toHaveProperty('m');
    expect(importConfig(exportConfig(resolveConfig({ d: 8 })))).toMatchObject({ K: 256, m: 24, growK: true, growM: true });
  });

  it('keeps an explicit K and m, and those of an export written before they could follow the item count', () => {
    expect(importOptions(exportConfig(resolveConfig({ d: 8, K: 64, m: 8 })))).toMatchObject({ K: 64, m: 8 });
    const { growK: _k, growM: _m, ...old } = exportConfig(resolveConfig({ d: 8 }));
    expect(importConfig(old)).toMatchObject({ K: 256, m: 24, growK: false, growM: false });
  });
});
