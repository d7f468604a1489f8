// Checks what users download: each `npm pack` tarball given on the command line must carry
// LICENSE and README.md, the repository/homepage/bugs fields, real version ranges on our own
// packages (not "*"), every file its `exports` map names (each subpath, each condition), no test
// code, and no source map whose sources are not shipped with it.
//
//   node scripts/check-tarballs.mjs path/to/srm-core-0.1.0.tgz ...
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const problems = [];
for (const tarball of process.argv.slice(2)) {
  const dir = mkdtempSync(join(tmpdir(), 'srm-tarball-'));
  try {
    execFileSync('tar', ['-xzf', tarball, '-C', dir]);
    const root = join(dir, 'package');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const say = (what) => problems.push(`${pkg.name}: ${what}`);
    const files = walk(root).map((f) => relative(root, f));
    for (const required of ['LICENSE', 'README.md']) if (!files.includes(required)) say(`no ${required} in the tarball`);
    if (existsSync(join(root, 'LICENSE')) && !readFileSync(join(root, 'LICENSE'), 'utf8').includes('MIT License')) say('LICENSE is not the MIT license');
    if (!pkg.repository?.url || !pkg.homepage || !pkg.bugs?.url) say('repository, homepage or bugs missing in package.json');
    if (files.includes('README.md') && /\]\((\.\.\/|\.\/)?(\.\.\/)+/.test(readFileSync(join(root, 'README.md'), 'utf8'))) {
      say('README.md has relative links outside the package (they break on npm)');
    }
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [name, range] of Object.entries(pkg[field] ?? {})) {
        if (name.startsWith('@srm/') && (range === '*' || range === '' || range === 'latest')) say(`${field}.${name} is "${range}", not a version range`);
      }
    }
    for (const target of exportTargets(pkg.exports)) {
      if (!files.includes(target.replace(/^\.\//, ''))) say(`exports names ${target}, which is not in the tarball`);
    }
    for (const f of files.filter((f) => /(^|\/)(test|test-fixtures|test-support)\/|\.(test|test-helper|contract)\.(js|d\.ts)$/.test(f))) {
      say(`${f} is test code`);
    }
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const { sources = [] } = JSON.parse(readFileSync(join(root, map), 'utf8'));
      for (const source of sources) {
        const shipped = resolve(root, dirname(map), source);
        if (!shipped.startsWith(root) || !files.includes(relative(root, shipped))) {
          say(`${map} points at ${source}, which is not in the tarball`);
          break;
        }
      }
    }
    console.log(`${pkg.name}@${pkg.version}: ${files.length} files checked`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const p of problems) console.error(`check-tarballs: ${p}`);
process.exit(problems.length > 0 ? 1 : 0);

/** Every file path in an `exports` value (strings in nested condition objects). */
function exportTargets(exports) {
  if (typeof exports === 'string') return [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
