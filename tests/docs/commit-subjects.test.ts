/**
 * Commit subjects are read in one-line logs, on narrow terminals and in mail subjects: they must fit in 72 columns and
 * show the same everywhere (ASCII). History older than this wave's first commit is left as it was written.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
/** "Platform: files sorted into folders by concern (moves only)", the first commit held to these rules. */
const FIRST_OF_WAVE = 'de1c4fa55964493fcd3ae49f137ca915c3521bb6';
const MAX_SUBJECT = 72;

const git = (...args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' });

/** A reason to skip, when there is no history to read; false when there is. */
function noHistory(): string | false {
  // In a worktree .git is a file, in a clone a folder; a tarball or an image has neither.
  if (!existsSync(join(root, '.git'))) return 'no .git here (a tarball or an image): there are no commits to check';
  if (git('--version').error) return 'git is not installed: the commits cannot be read';
  if (git('rev-parse', '--is-shallow-repository').stdout.trim() === 'true') return 'a shallow clone may not hold the first commit of the wave';
  return false;
}

test(`every commit subject since the wave's first commit has at most ${MAX_SUBJECT} ASCII characters`, { skip: noHistory() }, () => {
  assert.equal(git('cat-file', '-e', `${FIRST_OF_WAVE}^{commit}`).status, 0, `commit ${FIRST_OF_WAVE} is not in this history: was it rewritten?`);
  const log = execFileSync('git', ['log', '--format=%h %s', `${FIRST_OF_WAVE}^..HEAD`], { cwd: root, encoding: 'utf8' });
  const commits = log.split('\n').filter(Boolean).map((line) => ({ hash: line.slice(0, line.indexOf(' ')), subject: line.slice(line.indexOf(' ') + 1) }));
  assert.ok(commits.length > 0, 'the log from the first commit of the wave is empty');
  const offenders = commits
    .filter(({ subject }) => subject.length > MAX_SUBJECT || !/^[\x20-\x7e]*$/.test(subject))
    .map(({ hash, subject }) => `${hash} (${subject.length} characters): ${subject}`);
  assert.deepEqual(offenders, []);
});
