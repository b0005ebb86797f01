/**
 * The README's walk-through is a promise to a newcomer: paste the block into a shell and it works, every time. This
 * test keeps it: it takes the shell blocks between the README's walk-through markers as written, and runs them with
 * bash twice in a row against `npm start` on the README's own port, as a reader would after `npm ci && npm start`.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { Child } from '../../bench/processes.ts';
import { freePort } from '../../src/platform/common/index.ts';
import { startMainProcess } from '../support/main-process.ts';

const root = join(import.meta.dirname, '..', '..');
/** The README's port: the block runs as written, so the system comes to it rather than the other way round. */
const README_PORT = 8080;
const START_MARKER = /^<!-- walk-through\b.*-->$/;
const END_MARKER = /^<!-- \/walk-through -->$/;
/** Long enough for its bounded waits (20 tries for the account, 20 for the letter, `Prefer: wait=10`), no longer. */
const RUN_TIMEOUT_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The shell blocks between the walk-through markers, in order; throws unless there is exactly one such section. */
function walkThroughBlocks(markdown: string): string[] {
  const lines = markdown.split('\n');
  const starts = lines.flatMap((line, i) => (START_MARKER.test(line.trim()) ? [i] : []));
  const ends = lines.flatMap((line, i) => (END_MARKER.test(line.trim()) ? [i] : []));
  assert.equal(starts.length, 1, 'README.md marks exactly one walk-through with <!-- walk-through ... -->');
  assert.equal(ends.length, 1, 'README.md ends the walk-through with exactly one <!-- /walk-through -->');
  const [start, end] = [starts[0] as number, ends[0] as number];
  assert.ok(start < end, 'the walk-through ends after it starts');
  const section = lines.slice(start + 1, end).join('\n');
  const blocks = [...section.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```$/gm)].map((match) => match[1] as string);
  assert.ok(blocks.length > 0, 'the walk-through has at least one ```sh block');
  return blocks;
}

/** Fails, naming what to install, when a command the walk-through uses is not on the PATH. */
function assertToolsInstalled(): void {
  const missing = ['bash', 'curl', 'jq'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  assert.deepEqual(
    missing,
    [],
    `the README's walk-through needs ${missing.join(' and ')} on the PATH (Debian and Ubuntu: apt-get install curl jq; macOS: brew install jq)`,
  );
}

/** Fails with the reason when something already listens where the README sends its requests. */
async function assertPortFree(port: number): Promise<void> {
  const taken = await new Promise<string | undefined>((done) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    probe.listen(port, '0.0.0.0', () => probe.close(() => done(undefined)));
  });
  assert.equal(
    taken,
    undefined,
    `port ${port} is not free (${taken}): the README's walk-through talks to localhost:${port}, so this test runs npm start there; stop whatever holds it (an npm start of your own?) and run it again`,
  );
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The blocks as one bash script, stopping at the first failed command (including one inside a pipe). */
function runWithBash(script: string, cwd: string): Promise<Run> {
  return new Promise((done, fail) => {
    const bash = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    bash.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    bash.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    bash.once('error', fail);
    bash.once('close', (code) => done({ code, stdout, stderr }));
  });
}

/** The JSON value the output ends with (the block's last command prints the letter, pretty or not), or undefined. */
function lastJsonValue(output: string): unknown {
  const lines = output.trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]?.startsWith('{')) continue;
    try {
      return JSON.parse(lines.slice(i).join('\n'));
    } catch {
      // not where the last value starts: an inner line of it; look further up
    }
  }
  return undefined;
}

async function startAtReadmePort(t: TestContext): Promise<{ child: Child; workDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'streamshop-readme-'));
  await chmod(dataDir, 0o755); // embedded PostgreSQL runs as an unprivileged user when we are root
  const workDir = await mkdtemp(join(tmpdir(), 'streamshop-readme-shell-'));
  const child = await startMainProcess({ dataDir, port: README_PORT, pgPort: await freePort() });
  t.after(async () => {
    // `passed` is Node's (since 21.7), not yet in @types/node.
    if (!(t as TestContext & { passed: boolean }).passed) console.log(`--- streamshop said:\n${child.output().slice(-6000)}`);
    await child.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  });
  return { child, workDir };
}

test(
  "given npm start on the README's port, when the README's walk-through is run as written twice in a row, then both runs succeed and end with the order's paid letter",
  { timeout: 240_000 },
  async (t) => {
    const blocks = walkThroughBlocks(await readFile(join(root, 'README.md'), 'utf8'));
    assertToolsInstalled();
    await assertPortFree(README_PORT);
    const { workDir } = await startAtReadmePort(t);

    const letters: Array<Record<string, unknown>> = [];
    for (const attempt of [1, 2]) {
      const run = await runWithBash(blocks.join('\n'), workDir);
      const said = `run ${attempt} printed:\n${run.stdout}\nand on stderr:\n${run.stderr}`;
      assert.equal(run.code, 0, `run ${attempt} of the walk-through exits 0; ${said}`);
      const letter = lastJsonValue(run.stdout) as Record<string, unknown> | undefined;
      assert.ok(letter && typeof letter === 'object', `run ${attempt} ends by printing the letter's JSON; ${said}`);
      assert.equal(letter.kind, 'order_paid', `run ${attempt}'s letter is the happy one; ${said}`);
      assert.match(String(letter.orderId), UUID, `run ${attempt}'s letter names its order; ${said}`);
      letters.push(letter);
    }
    assert.notEqual(letters[0]?.userId, letters[1]?.userId, 'each run registers a user of its own');
  },
);
