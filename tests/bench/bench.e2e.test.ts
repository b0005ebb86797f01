import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { BenchResult } from '../../bench/run.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

/**
 * The benchmark harness itself, in its tiny form (--quick: one concurrency level, ~2 s, 10 users), with two rounds:
 * it must start and stop both systems, find every correctness check holding, and write its JSON
 * and chart. Speed is not asserted: the figures depend on the machine.
 */
describe('npm run bench -- --quick --auth-cost --four-commits --rounds 2', () => {
  let out: string;
  let stdout = '';
  let exitCode = 0;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'streamshop-bench-test-'));
    try {
      ({ stdout } = await run(process.execPath, [join(root, 'bench/run.ts'), '--quick', '--auth-cost', '--four-commits', '--rounds', '2', '--out', out], {
        cwd: root,
        // A busy CI machine runs other suites beside it: the quick bench then takes about a minute, not 30 s.
        timeout: 150_000,
        maxBuffer: 16 * 1024 * 1024,
      }));
    } catch (error) {
      const failed = error as { code?: number; signal?: string; stdout?: string; stderr?: string };
      exitCode = typeof failed.code === 'number' ? failed.code : -1;
      stdout = `${failed.signal ? `killed by ${failed.signal} (the timeout)\n` : ''}${failed.stdout ?? ''}\n${failed.stderr ?? ''}`;
    }
  });
  after(() => rm(out, { recursive: true, force: true }));

  test('when the quick bench runs, then it exits 0 and reports PASSED', () => {
    assert.equal(exitCode, 0, stdout);
    assert.match(stdout, /PASSED/);
  });

  test('when the quick bench has run, then its JSON says every correctness check held, for streamshop and the floor', async () => {
    const files = await readdir(out);
    const json = files.find((f) => f.endsWith('.json'));
    assert.ok(json, `no JSON in ${out}: ${files.join(', ')}\n${stdout}`);
    const result: BenchResult = JSON.parse(await readFile(join(out, json), 'utf8'));
    assert.equal(result.passed, true);
    const fatal = result.checks.filter((c) => c.fatal);
    assert.ok(fatal.length >= 12, 'checks of streamshop and of the floor');
    for (const check of fatal) assert.equal(check.ok, true, `${check.name}: ${check.detail}`);
    assert.ok(fatal.some((c) => c.name === 'money conserved per account'));
    assert.ok(fatal.some((c) => c.name === 'one letter per order'));

    assert.equal(result.levels.length, 1);
    const [level] = result.levels;
    assert.ok(level?.floor, 'the floor ran');
    assert.ok(level.streamshop.completed > 0, 'streamshop completed orders');
    assert.ok(level.floor.completed > 0, 'the floor completed orders');
    assert.ok((level.floorWithAuth?.completed ?? 0) > 0, 'the floor with the token check completed orders');
    // Its orders are in the floor's database too, so the floor's checks above (one letter each, money) cover them.
    assert.ok((level.floorInFourCommits?.completed ?? 0) > 0, 'the floor in four commits completed orders');
    assert.match(stdout, /^floor, 4 commits c=8 +[\d.]+ /m, 'its orders/s');
    assert.match(stdout, /^c=8 +[\d.]+ % +[\d.]+ %$/m, 'its share of the floor just before it, and streamshop\'s of it');
    assert.ok(result.tokenCheck.firstMicros > 0, 'the cost of a token check was measured');
    assert.ok((level.floorBefore?.completed ?? 0) > 0, 'the floor also ran just before streamshop');
    // Two rounds, each between the floor just before it and the one just after: the level's ratio is their median.
    const rounds = level.rounds ?? [];
    assert.equal(rounds.length, 2, 'two rounds');
    for (const round of rounds) {
      assert.ok(round.streamshop > 0 && round.floors.every((floor) => floor > 0), JSON.stringify(round));
      assert.ok(Math.abs(round.ratio - round.streamshop / ((round.floors[0] + round.floors[1]) / 2)) < 0.001, 'a round is against its two floors');
    }
    assert.equal(rounds[0]?.floors[1], rounds[1]?.floors[0], 'the floor between two rounds is the one after the first and before the second');
    assert.equal(rounds[0]?.floors[0], level.floorBefore?.throughput, 'the first round starts after the floor before');
    assert.ok(Math.abs((level.throughputRatio ?? 0) - ((rounds[0]?.ratio ?? 0) + (rounds[1]?.ratio ?? 0)) / 2) < 0.001, 'the ratio is the median of the rounds');
    assert.ok(level.streamshop.usage.cpuSeconds.node > 0, 'CPU of the system process was sampled');
    assert.ok(level.streamshop.usage.peakRssMb.node > 0, 'RSS of the system process was sampled');
    // Work per order as counts: the Node.js process switches and calls read/write for every order; PostgreSQL switches too.
    for (const summary of [level.streamshop, level.floor]) {
      const { contextSwitches, systemCalls } = summary.perOrder;
      assert.ok(contextSwitches.node > 0 && contextSwitches.postgres > 0 && systemCalls.node > 0, JSON.stringify(summary.perOrder));
    }
    assert.match(stdout, /work per order \(counts, not time\)/);
  });

  test('when the quick bench has run, then what it printed fits 100 columns, and the text report lies next to the JSON', async () => {
    // The paths of the files written are as long as the temporary folder's.
    const wide = stdout.split('\n').filter((line) => !/^[\w ]+: +\//.test(line) && [...line].length > 100);
    assert.deepEqual(wide, [], 'lines over 100 columns');
    const report = (await readdir(out)).find((f) => f.endsWith('.txt'));
    assert.ok(report);
    assert.match(await readFile(join(out, report), 'utf8'), /every figure of every phase/);
  });

  test('when the quick bench has run, then an SVG chart lies next to the JSON', async () => {
    const svg = (await readdir(out)).find((f) => f.endsWith('.svg'));
    assert.ok(svg);
    const text = await readFile(join(out, svg), 'utf8');
    assert.match(text, /^<svg /);
    assert.match(text, /streamshop p50/);
    assert.match(text, /floor p99/);
  });
});
