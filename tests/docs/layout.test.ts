/**
 * The layout is the architecture: the platform's folders are reached through their index only, services never
 * reach into each other, and what the docs name exists. These checks keep it so as the code moves.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const platform = join(root, 'src', 'platform');

function filesUnder(folder: string, keep: (path: string) => boolean): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => join(folder, name))
    .filter((path) => statSync(path).isFile() && keep(path));
}
const isSource = (path: string) => path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.test-support.ts');

/** The platform folder a file belongs to (messaging/nats is one of its own), or undefined outside the platform. */
function platformFolderOf(path: string): string | undefined {
  const parts = relative(platform, path).split('/');
  if (parts[0] === '..' || parts.length < 2) return undefined;
  return parts[0] === 'messaging' && parts[1] === 'nats' && parts.length > 2 ? 'messaging/nats' : (parts[0] as string);
}

/** Every relative import of a file, resolved. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => resolve(dirname(file), match[1] as string));
}

describe('the layout', () => {
  test('every folder of the platform has an index.ts that opens by saying what the folder owns', () => {
    const folders = new Set(filesUnder(platform, isSource).map((file) => platformFolderOf(file)).filter((f) => f !== undefined));
    assert.ok(folders.size >= 8, [...folders].join(', '));
    for (const folder of folders) {
      const index = join(platform, folder, 'index.ts');
      assert.ok(existsSync(index), `${folder}/ has an index.ts`);
      assert.match(readFileSync(index, 'utf8'), /^\/\*\*\n \* \S/, `${folder}/index.ts opens with a header comment`);
    }
  });

  test("code outside a platform folder reaches it through its index, never its inner files", () => {
    const sources = [...filesUnder(join(root, 'src'), isSource), ...filesUnder(join(root, 'scripts'), isSource), ...filesUnder(join(root, 'bench'), isSource)];
    const offenders = sources.flatMap((file) =>
      importsOf(file)
        .filter((target) => {
          const folder = platformFolderOf(target);
          return folder !== undefined && folder !== platformFolderOf(file) && target !== join(platform, folder, 'index.ts');
        })
        .map((target) => `${relative(root, file)} imports ${relative(root, target)}`),
    );
    assert.deepEqual(offenders, []);
  });

  test("no service imports another service's code", () => {
    const services = join(root, 'src', 'services');
    // services/index.ts is the list of all four, not one of them.
    const offenders = filesUnder(services, (path) => path.endsWith('.ts') && dirname(path) !== services).flatMap((file) => {
      const own = relative(services, file).split('/')[0];
      return importsOf(file)
        .filter((target) => !relative(services, target).startsWith('..') && relative(services, target).split('/')[0] !== own)
        .filter((target) => relative(services, target) !== 'index.ts')
        .map((target) => `${relative(root, file)} imports ${relative(root, target)}`);
    });
    assert.deepEqual(offenders, []);
  });

  test('every source path the docs name exists, and no link leaves the repository', () => {
    const docs = [join(root, 'README.md'), ...filesUnder(join(root, 'docs'), (path) => path.endsWith('.md')), ...filesUnder(join(root, 'tests'), (path) => path.endsWith('.md'))];
    const problems: string[] = [];
    for (const doc of docs) {
      const text = readFileSync(doc, 'utf8');
      for (const [, path] of text.matchAll(/`((?:src|tests|scripts|bench|deploy)\/[\w./-]+)`/g)) {
        const clean = (path as string).replace(/[.:]$/, '');
        if (!existsSync(join(root, clean))) problems.push(`${relative(root, doc)} names ${clean}`);
      }
      for (const [, target] of text.matchAll(/\]\((?!https?:|#|mailto:)([^)\s#]+)/g)) {
        const resolved = resolve(dirname(doc), target as string);
        if (relative(root, resolved).startsWith('..')) problems.push(`${relative(root, doc)} links outside the repository: ${target}`);
        else if (!existsSync(resolved)) problems.push(`${relative(root, doc)} links a missing file: ${target}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
