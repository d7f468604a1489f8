/**
 * The public surface: the root entry point stays small and holds what an
 * application uses; BM25 internals and benchmark helpers live on their subpaths.
 * The names are read with the TypeScript checker, so type-only exports count.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ENTRIES = {
  root: '../index.ts',
  storage: './storage.ts',
  glossary: './glossary.ts',
  datasets: './datasets.ts',
} as const;

function exportedNames(files: Record<string, string>): Record<string, string[]> {
  const paths = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, fileURLToPath(new URL(f, import.meta.url))]));
  const program = ts.createProgram(Object.values(paths), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const names: Record<string, string[]> = {};
  for (const [key, path] of Object.entries(paths)) {
    const source = program.getSourceFile(path)!;
    const module = checker.getSymbolAtLocation(source)!;
    names[key] = checker.getExportsOfModule(module).map((s) => s.getName());
  }
  return names;
}

describe('entry points', () => {
  const names = exportedNames(ENTRIES);

  it('the root entry point exports at most 60 names', () => {
    expect(names.root!.length).toBeGreaterThan(0);
    expect(names.root!.length).toBeLessThanOrEqual(60);
  });

  it('the root exports no benchmark helper, dataset or BM25 internal', () => {
    const internals = [
      'headwordQueries',
      'jargonQueries',
      'meanReciprocalRank',
      'shingleOverlap',
      'Rng',
      'murmur3',
      'packSparse',
      'termId',
      'SparseIndex',
      'readDictd',
      'loadGloveVectors',
    ];
    expect(names.root!.filter((n) => internals.includes(n))).toEqual([]);
    expect(names.root!.filter((n) => names.glossary!.includes(n) || names.datasets!.includes(n))).toEqual([]);
  });

  it('no name is exported by two entry points', () => {
    const all = Object.values(names).flat();
    expect(all.filter((n, i) => all.indexOf(n) !== i)).toEqual([]);
  });

  it('the backend-author interface and migration are on the storage subpath', () => {
    expect(names.storage).toEqual(expect.arrayContaining(['SRMItemStore', 'GlossaryStore', 'RoutingCheckpointStore', 'migrateStorage']));
    expect(names.root).not.toContain('SRMItemStore');
  });
});
