/**
 * `npm run build` makes what the image runs: dist/main.js, the SQL migrations beside the code that reads them, and
 * the console's page (plain modules, copied as they are).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');

function files(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .sort();
}

test('npm run build: dist/ has the JavaScript of every source file and every migration', () => {
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.ts')], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const sources = files(join(root, 'src'), '.ts').filter((name) => !name.endsWith('.test.ts'));
  const page = files(join(root, 'src'), '.js');
  assert.ok(page.includes(join('console', 'page', 'main.js')), "the console's page is plain JavaScript");
  assert.deepEqual(files(join(root, 'dist'), '.js'), [...sources.map((name) => name.replace(/\.ts$/, '.js')), ...page].sort());
  assert.deepEqual(files(join(root, 'dist'), '.sql'), files(join(root, 'src'), '.sql'));
  for (const suffix of ['.html', '.css', '.svg']) assert.deepEqual(files(join(root, 'dist'), suffix), files(join(root, 'src'), suffix));
  assert.deepEqual(files(join(root, 'dist'), '.ts'), [], 'no TypeScript left for Node to strip');
  for (const name of files(join(root, 'dist'), '.js')) {
    const code = readFileSync(join(root, 'dist', name), 'utf8');
    assert.doesNotMatch(code, /(from |import\()['"]\.{1,2}\/[^'"]*\.ts['"]/, `${name} imports .js files, not .ts`);
  }
});

test('the build runs without TypeScript: node dist/main.js explains a wrong command and exits 2', () => {
  // With type stripping off, importing any .ts file would fail.
  const args = ['--no-experimental-strip-types', join(root, 'dist', 'main.js'), 'nonsense'];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /Unknown command "nonsense"\. Use: all \| users \| billing \| orders \| notifications \| console/);
});
