/**
 * npm run compare [-- --quick] [--topologies embedded,stack] [--styles events,http,hybrid,saga] [--rounds N] [--out DIR]
 *
 * Runs every interaction style (INTERACTION_STYLE) on the embedded default and on the stack, one after another, and
 * measures what docs/architecture.md's comparison table claims: orders/s and latency under steady load, and what
 * each style does when billing or notifications is frozen, when billing is killed -9 (stack), when clients retry
 * with the same Idempotency-Key, and (saga) when billing outlasts the payment deadline. Prints a line per phase and
 * the table; writes docs/styles-comparison.md, its SVG chart and the raw JSON (docs/benchmarks/). --quick: the
 * embedded default with short phases, for CI. Exits 1 when a fatal correctness check fails (see compare/checks.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import closeWithGrace from 'close-with-grace';
import { checksOf } from './compare/checks.ts';
import { loadAverage, machine } from './compare/machine.ts';
import { type CompareOptions, parseOptions } from './compare/options.ts';
import { type CompareResult, writeReport } from './compare/report.ts';
import { terminalTables, tablesOf } from './compare/tables.ts';
import { stopEveryTarget } from './compare/targets.ts';
import { compareOn, type RunContext, type StyleResult } from './compare/topology-run.ts';
import { progressDone, runAsScript } from './progress.ts';
import { WIDTH, wrap } from './stats.ts';

const root = resolve(import.meta.dirname, '..');

/** The operator every system is started with: the comparison reads every user's orders, ledger and letters as it. */
const OPERATOR = { email: 'compare-operator@example.com', password: `compare-${crypto.randomUUID()}` };

const loads = new Set<ChildProcess>();
let interrupted = false;

const began = performance.now();

/** A line for the person watching, kept on the terminal (on stderr: stdout is the table), with the time so far. */
function say(line: string): void {
  progressDone();
  console.error(wrap(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}`, WIDTH, ' '.repeat(9)));
}

/** The command that made the report, as a person would type it again. */
const commandOf = (argv: string[]) => `npm run compare${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;

async function run(options: CompareOptions, argv: string[], work: string): Promise<CompareResult> {
  const startedAt = new Date();
  const started = performance.now();
  const where = machine();
  if (options.topologies.includes('stack')) {
    // The service processes run the build, as in the image (and as the bench's stack does).
    say('building dist/ for the stack\'s service processes (npm run build)…');
    execFileSync(process.execPath, [join(root, 'scripts/build.ts')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const context: RunContext = { options, work, loads, operator: OPERATOR, say };
  const results: StyleResult[] = [];
  for (const topology of options.topologies) results.push(...(await compareOn(context, topology)));
  const checks = checksOf(results);
  return {
    startedAt: startedAt.toISOString(),
    durationS: Math.round((performance.now() - started) / 1000),
    mode: options.quick ? 'quick' : 'full',
    command: commandOf(argv),
    machine: { ...where, loadavgAtEnd: loadAverage() },
    plan: options.plan,
    results,
    checks,
    passed: checks.every((c) => c.ok || !c.fatal),
  };
}

function printSummary(result: CompareResult, paths: Record<string, string>): void {
  const { machine: m } = result;
  const failed = result.checks.filter((c) => !c.ok);
  const lines = [
    wrap(`interaction styles compared (${result.mode} run, ${result.durationS} s; ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB)`),
    ...terminalTables(tablesOf(result.results, result.plan)),
    '',
    ...failed.map((c) => wrap(`  ${c.fatal ? 'FAIL' : 'warn'}  ${c.name} — ${c.detail}`, WIDTH, '        ')),
    '',
    `report: ${paths.report}`,
    `chart:  ${paths.chart}`,
    `JSON:   ${paths.json}`,
    '',
    wrap(
      result.passed
        ? `PASSED: money conserved, no order charged twice, no letter lost by a style that keeps its letters (${result.checks.filter((c) => c.fatal).length} checks)`
        : 'FAILED: a correctness check does not hold (see above)',
      WIDTH,
      '        ',
    ),
  ];
  console.log(lines.join('\n'));
}

export async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const work = await mkdtemp(join(tmpdir(), 'streamshop-compare-'));
  // As root, PostgreSQL runs as "postgres", which must be able to pass through this folder.
  await chmod(work, 0o711);
  // Interrupted: the load processes and the systems stop too, and there is no report.
  closeWithGrace({ delay: 60_000, skip: ['uncaughtException', 'unhandledRejection'] }, async ({ signal }) => {
    if (!signal) return;
    interrupted = true;
    say('\ninterrupted: stopping the processes started by the comparison');
    for (const load of loads) load.kill('SIGTERM');
    await stopEveryTarget();
    await rm(work, { recursive: true, force: true });
    throw new Error('the comparison was interrupted');
  });
  try {
    const result = await run(options, argv, work);
    const paths = await writeReport(result, options);
    printSummary(result, paths);
    return result.passed ? 0 : 1;
  } finally {
    progressDone();
    await rm(work, { recursive: true, force: true });
  }
}

runAsScript(import.meta, main, { failed: 'the comparison failed:', interrupted: () => interrupted });
