/**
 * patches/ holds fixes to dependencies, applied by patch-package on every npm ci (and in the image). A patch is
 * written against one version: the dependency stays pinned to exactly it, and the patch says which upstream issues
 * it stands in for, so it can be dropped when a release has the fix.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
const patches = readdirSync(join(root, 'patches')).filter((name) => name.endsWith('.patch'));

test('every patch is for a dependency pinned, in package.json and the lockfile, to exactly the version it was made for', () => {
  assert.ok(patches.length > 0);
  for (const file of patches) {
    // patch-package's names: <name>+<version>.patch, a scope's slash written as "+".
    const match = /^(.+)\+([^+]+)\.patch$/.exec(file);
    assert.ok(match, `${file}: named <package>+<version>.patch`);
    const [, escaped, version] = match;
    const name = escaped!.replace('+', '/');
    const wanted = manifest.dependencies[name] ?? manifest.devDependencies[name];
    assert.equal(wanted, version, `${file}: package.json pins ${name} to exactly ${version}`);
    assert.equal(lock.packages[`node_modules/${name}`]?.version, version, `${file}: the lockfile has ${name}@${version}`);
  }
});

test('every patch links the upstream issues it stands in for, or, when it found none, the code it changes upstream', () => {
  for (const file of patches) {
    const header = readFileSync(join(root, 'patches', file), 'utf8').split(/^diff --git /m)[0] ?? '';
    const upstream = /https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/(issues|pull)\/\d+/.test(header) || (/no upstream issue/i.test(header) && /https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/blob\//.test(header));
    assert.ok(upstream, `${file}: its header links upstream`);
  }
});
