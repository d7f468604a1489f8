/**
 * The README's first command, `npm run demo`, as a test: it runs src/demo.ts
 * against the built packages in a scratch directory and checks what it claims.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { built, examplesDir, run } from './run-snippet.js';

const tsxCli = createRequire(join(examplesDir, 'noop.js')).resolve('tsx/cli');
mkdirSync(join(examplesDir, '.data'), { recursive: true });
const scratch = mkdtempSync(join(examplesDir, '.data', 'demo-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!built)('the demo (npm run demo)', () => {
  it('builds both memories from the Jargon File, answers, prints stats() and reopens with the same answers', async () => {
    const { stdout } = await run(process.execPath, [tsxCli, 'src/demo.ts'], {
      cwd: examplesDir,
      env: { ...process.env, SRM_DEMO_DIR: join(scratch, 'demo') },
      timeout: 180_000,
      maxBuffer: 16 << 20,
    });
    expect(stdout).toMatch(/stored 2\d{3} definitions; codebook fitted automatically: true/);
    // The Jargon File's own wording of "hacker" is the nearest definition to its paraphrase.
    expect(stdout).toMatch(/Q: a person who enjoys exploring the details of programmable systems\n\s+0\.\d+\s+hacker:/);
    expect(stdout).toMatch(/hot bytes: codebook .* = [\d.]+ MiB/);
    expect(stdout).toContain('recall("how do we deploy to k8s?") -> k8s = Kubernetes');
    expect(stdout).toContain('recall("when does a json web token expire?") -> JWT = JSON Web Token');
    expect(stdout).toContain('recall("password rotation policy") -> nothing');
    expect(stdout).toContain('entries for support-bot: 4; another agent sees 0');
    expect(stdout).toMatch(/reopened 2\d{3} items without retraining; same answers as before: true/);
  });
});
