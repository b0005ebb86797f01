import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertReachable } from './embedded-postgres.ts';

/** A user that owns nothing here, as "postgres" owns nothing in a clone made by root. */
const stranger = { uid: 54_321, gid: 54_321 };

describe('assertReachable', () => {
  test('given a folder on the path closed to others, when root would run PostgreSQL from it as another user, then it refuses naming that folder and the fix', async (t) => {
    const project = await mkdtemp(join(tmpdir(), 'streamshop-reach-'));
    t.after(() => rm(project, { recursive: true, force: true }));
    const initdb = join(project, 'initdb');
    await writeFile(initdb, '');
    await chmod(project, 0o700);
    await assert.rejects(assertReachable(initdb, stranger), (error: Error) => {
      assert.match(error.message, new RegExp(`${project} is closed to other users\\. Open it \\(chmod o\\+x ${project}\\)`));
      return true;
    });
    await chmod(project, 0o755);
    await assertReachable(initdb, stranger);
  });
});
