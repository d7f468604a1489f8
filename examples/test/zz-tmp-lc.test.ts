import { it } from 'vitest';
it('runs', async () => { await import(`../src/${process.env.EX}.ts`); });
