import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { closedFolderOnPath } from './embedded-postgres.ts';

/** A user that owns nothing here, as "postgres" owns nothing in a clone made by root. */
const stranger = { uid: 54_321, gid: 54_321 };

describe('closedFolderOnPath', () => {
  test('given a folder on the path closed to others, when root would run PostgreSQL from it as another user, then that folder is named, and none once it is opened', async (t) => {
    const project = await mkdtemp(join(tmpdir(), 'streamshop-reach-'));
    t.after(() => rm(project, { recursive: true, force: true }));
    const initdb = join(project, 'bin', 'initdb');
    await mkdir(join(project, 'bin'));
    await writeFile(initdb, '');
    await chmod(project, 0o700);
    assert.equal(await closedFolderOnPath(initdb, stranger), project);
    await chmod(project, 0o755);
    assert.equal(await closedFolderOnPath(initdb, stranger), undefined);
  });
});
