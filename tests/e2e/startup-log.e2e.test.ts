import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { serviceNames } from '../../src/platform/runtime/index.ts';
import { startTestSystem } from '../support/system.ts';

interface LogLine {
  level: number;
  msg: string;
  migration?: string;
}

const INFO = 30;

/** The lines a start wrote to its log file (at level trace: every line, with its level). */
async function linesOf(file: string): Promise<LogLine[]> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as LogLine);
}

test('when streamshop starts, then the migrations take one info line per database, each file only at debug', { timeout: 120_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'streamshop-startup-log-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const start = async (name: string) => {
    const logFile = join(dataDir, name);
    await (await startTestSystem({ dataDir, logFile })).stop();
    const lines = await linesOf(logFile);
    const files = lines.filter((line) => line.migration !== undefined);
    assert.ok(files.every((line) => line.level < INFO), `a file applied is a detail:\n${JSON.stringify(files.filter((l) => l.level >= INFO))}`);
    return { files, summaries: lines.filter((line) => line.level >= INFO && /migration/.test(line.msg)).map((line) => line.msg) };
  };

  const first = await start('first.log');
  assert.ok(first.files.length >= serviceNames.length, 'the files are still there, at debug');
  assert.equal(first.summaries.length, serviceNames.length, first.summaries.join('\n'));
  for (const service of serviceNames) {
    assert.ok(first.summaries.some((line) => new RegExp(`^${service}: database up to date \\(\\d+ migrations applied\\)$`).test(line)), `${service}: ${first.summaries}`);
  }

  const again = await start('again.log');
  assert.deepEqual(again.files, []);
  for (const service of serviceNames) {
    assert.ok(again.summaries.some((line) => new RegExp(`^${service}: \\d+ migrations, none pending$`).test(line)), `${service}: ${again.summaries}`);
  }
});
