/**
 * docs/architecture.ru.md is the Russian architecture doc: the same sections, diagrams, tables and links as the
 * English one, so that neither drifts from the other when one is edited.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const docs = join(import.meta.dirname, '..', '..', 'docs');
const english = readFileSync(join(docs, 'architecture.md'), 'utf8');
const russian = readFileSync(join(docs, 'architecture.ru.md'), 'utf8');

/** What a translation keeps: the outline (heading levels), diagrams, links to files, tables and code paths. */
function skeleton(markdown: string) {
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  return {
    outline: [...prose.matchAll(/^(#+) /gm)].map((match) => match[1]?.length),
    diagrams: [...prose.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => match[1]),
    links: [...prose.matchAll(/(?<!!)\[[^\]]*\]\(((?!https?:)[^)#]+)/g)].map((match) => match[1]).filter((link) => !/architecture(\.ru)?\.md$/.test(link ?? '')),
    tables: [...prose.matchAll(/^\| ?-{3}/gm)].length,
    tableRows: prose.split('\n').filter((line) => line.startsWith('|')).length,
    sourcePaths: [...new Set([...prose.matchAll(/`(src\/[\w./-]+)`/g)].map((match) => match[1]))].sort(),
  };
}

test('given the English and the Russian architecture docs, when their skeletons are compared, then they have the same sections, diagrams, links, tables and code paths', () => {
  const en = skeleton(english);
  const ru = skeleton(russian);
  assert.deepEqual(ru.outline, en.outline, 'the same headings at the same levels, in the same order');
  assert.deepEqual(ru.diagrams, en.diagrams, 'the same diagrams, in the same order');
  assert.deepEqual(ru.links, en.links, 'the same links to files, in the same order');
  assert.equal(ru.tables, en.tables, 'as many tables');
  assert.equal(ru.tableRows, en.tableRows, 'as many table rows');
  assert.deepEqual(ru.sourcePaths, en.sourcePaths, 'the same source files named');
});
