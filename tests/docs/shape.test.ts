/**
 * The house rules for the code's shape, so that any file and any function can be read in one sitting: no file over
 * 250 lines, no function whose own body is over 60 lines (the functions nested in it count as theirs, not its), no
 * function with more than 4 parameters (it takes an options object instead). They hold on every tracked source of
 * src/, scripts/ and bench/ (tests and declarations aside), measured with the TypeScript compiler.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

const root = join(import.meta.dirname, '..', '..');
const MAX_FILE_LINES = 250;
const MAX_OWN_LINES = 60;
const MAX_PARAMETERS = 4;

interface Measured {
  file: string;
  lines: number;
  functions: { at: string; name: string; ownLines: number; parameters: number }[];
}

type FunctionWithBody = ts.FunctionLikeDeclaration & { body: ts.Node };

/** A function the rules look at: a declaration, expression, arrow, method or constructor that has a body. */
function isFunction(node: ts.Node): node is FunctionWithBody {
  const kinds = [ts.isFunctionDeclaration, ts.isFunctionExpression, ts.isArrowFunction, ts.isMethodDeclaration, ts.isConstructorDeclaration];
  return kinds.some((is) => is(node)) && (node as ts.FunctionLikeDeclaration).body !== undefined;
}

/** How a file reads: its lines, and each function's own lines and parameters. */
function measure(file: string): Measured {
  const text = readFileSync(join(root, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line;
  const functions: Measured['functions'] = [];
  const visit = (node: ts.Node): void => {
    if (isFunction(node)) {
      // A nested function's lines are its own, from just after its arrow or signature (a line its parent's statement
      // holds, so counted in the parent) to the end of its body; what nests in it is its own business.
      let nested = 0;
      const skipNested = (inner: ts.Node): void => {
        if (isFunction(inner)) nested += lineOf(inner.body.end) - lineOf(inner.body.pos);
        else ts.forEachChild(inner, skipNested);
      };
      ts.forEachChild(node.body, skipNested);
      const ownLines = lineOf(node.body.end) - lineOf(node.body.getStart(source)) + 1 - nested;
      const holder = node.parent;
      const name = node.name?.getText(source) ?? (ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder) ? holder.name.getText(source) : '(anonymous)');
      functions.push({ at: `${file}:${lineOf(node.getStart(source)) + 1}`, name, ownLines, parameters: node.parameters.length });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { file, lines: text.split('\n').length, functions };
}

/** A tarball or an image has no .git: there is no list of tracked files to check. */
const noGit = existsSync(join(root, '.git')) ? false : 'no .git here (a tarball or an image): git cannot list the tracked files';
const files = noGit
  ? []
  : execFileSync('git', ['ls-files', '--', 'src/*.ts', 'scripts/*.ts', 'bench/*.ts'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file !== '' && !file.endsWith('.test.ts') && !file.endsWith('.d.ts'));
const measured = files.map(measure);
const functions = measured.flatMap((m) => m.functions);

describe('the shape of the code in src/, scripts/ and bench/', { skip: noGit }, () => {
  test(`no file is over ${MAX_FILE_LINES} lines`, () => {
    for (const folder of ['src/', 'scripts/', 'bench/']) assert.ok(files.some((file) => file.startsWith(folder)), `git lists no source in ${folder}`);
    const offenders = measured.filter((m) => m.lines > MAX_FILE_LINES).map((m) => `${m.file}: ${m.lines} lines`);
    assert.deepEqual(offenders, [], `files over ${MAX_FILE_LINES} lines (split them by concern):\n${offenders.join('\n')}`);
  });

  test(`no function's own body is over ${MAX_OWN_LINES} lines`, () => {
    const offenders = functions.filter((f) => f.ownLines > MAX_OWN_LINES).map((f) => `${f.at} ${f.name} ${f.ownLines}`);
    assert.deepEqual(offenders, [], `functions over ${MAX_OWN_LINES} own lines (give their steps names):\n${offenders.join('\n')}`);
  });

  test(`no function takes more than ${MAX_PARAMETERS} parameters`, () => {
    const offenders = functions.filter((f) => f.parameters > MAX_PARAMETERS).map((f) => `${f.at} ${f.name} ${f.parameters}`);
    assert.deepEqual(offenders, [], `functions with more than ${MAX_PARAMETERS} parameters (take an options object):\n${offenders.join('\n')}`);
  });
});
