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

/**
 * The paths a patch creates. patch-package diffs node_modules against a fresh install of the published version, so a
 * `new file mode` section (from /dev/null) is a file that package never had: a leftover such as the `*.orig` backups
 * `patch` writes, which would then be copied into every node_modules.
 */
function addedFiles(patch: string): string[] {
  return patch
    .split(/^(?=diff --git )/m)
    .filter((section) => section.startsWith('diff --git ') && (/^new file mode /m.test(section) || /^--- \/dev\/null$/m.test(section)))
    .map((section) => /^diff --git a\/(\S+) b\//.exec(section)?.[1] ?? section.split('\n', 1)[0]!);
}

test('no patch adds a file the published package does not have, only changes files it has', () => {
  for (const file of patches) {
    assert.deepEqual(addedFiles(readFileSync(join(root, 'patches', file), 'utf8')), [], `${file} creates files: regenerate it without them`);
  }
});

test('when a patch creates a file, then that file is found, whether the diff says new file mode or --- /dev/null', () => {
  const modified = 'diff --git a/node_modules/p/a.js b/node_modules/p/a.js\nindex 1..2 100644\n--- a/node_modules/p/a.js\n+++ b/node_modules/p/a.js\n@@ -1 +1 @@\n-x\n+y\n';
  const backup = 'diff --git a/node_modules/p/a.js.orig b/node_modules/p/a.js.orig\nnew file mode 100644\nindex 0..1\n--- /dev/null\n+++ b/node_modules/p/a.js.orig\n@@ -0,0 +1 @@\n+x\n';
  const bare = 'diff --git a/node_modules/p/b.js b/node_modules/p/b.js\n--- /dev/null\n+++ b/node_modules/p/b.js\n@@ -0,0 +1 @@\n+x\n';
  assert.deepEqual(addedFiles(`# header\n${modified}${backup}${modified}${bare}`), ['node_modules/p/a.js.orig', 'node_modules/p/b.js']);
  assert.deepEqual(addedFiles(modified), []);
});
