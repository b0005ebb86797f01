/** The command line of npm run compare, and the length of each phase in a full and in a quick run. */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type InteractionStyle, interactionStyles } from '../../src/platform/runtime/index.ts';
import type { Topology } from './targets.ts';

const root = resolve(import.meta.dirname, '..', '..');

/** How long each part of a run takes, in ms, and how many clients and users it has. */
export interface Plan {
  /** closed-loop clients of the steady phase and of the plain clients of the fault phases */
  clients: number;
  /** clients that give up after `giveUpMs` and send the order again with the same Idempotency-Key */
  retryingClients: number;
  giveUpMs: number;
  users: number;
  rounds: number;
  warmupMs: number;
  steadyMs: number;
  /** the load runs this long before a fault and this long after it ends */
  beforeMs: number;
  afterMs: number;
  /** billing, then notifications, frozen this long */
  pauseMs: number;
  /** saga: PAYMENT_DEADLINE, and billing frozen this long to outlast it */
  deadlineMs: number;
  sagaPauseMs: number;
  /** the longest a phase waits for its orders, charges and letters to settle before it counts what did not */
  settleMs: number;
  /** a letter is late when it is stored more than this after its order became final */
  lateLetterMs: number;
}

export interface CompareOptions {
  quick: boolean;
  topologies: Topology[];
  styles: InteractionStyle[];
  /** where the report, its chart and its JSON go */
  out: string;
  plan: Plan;
}

const FULL: Plan = {
  clients: 32,
  retryingClients: 8,
  giveUpMs: 1_000,
  users: 50,
  rounds: 3,
  warmupMs: 2_000,
  steadyMs: 10_000,
  beforeMs: 2_000,
  afterMs: 5_000,
  // Longer than the http styles' 5 s call budget, so that their orders sent early in it are answered 503.
  pauseMs: 8_000,
  deadlineMs: 3_000,
  sagaPauseMs: 6_000,
  settleMs: 120_000,
  lateLetterMs: 1_000,
};

/**
 * For CI: the embedded default alone, one short round, shorter outages with short windows around them. Billing's
 * 3 s stay within the http styles' 5 s call budget, so they answer late rather than 503: the full run shows those.
 */
const QUICK: Plan = {
  ...FULL,
  retryingClients: 4,
  users: 10,
  rounds: 1,
  // On a CI machine busy with other suites a call style's first answers (its first calls: connections, service
  // tokens) took over 4 s: a round of 1.5 s, then of 3 s after 1 s of warm-up, measured no order at all.
  warmupMs: 3_000,
  steadyMs: 3_000,
  beforeMs: 500,
  afterMs: 1_000,
  pauseMs: 3_000,
  sagaPauseMs: 4_000,
  settleMs: 30_000,
};

export const USAGE = `npm run compare -- [--quick] [--topologies embedded,stack] [--styles events,http,hybrid,saga] [--rounds N] [--out DIR]
  --quick       the embedded default only, short phases (CI); its report goes to reports/compare/ unless --out says
  --topologies  which of embedded and stack to run (default both; --quick: embedded)
  --styles      which interaction styles to run (default all four)
  --rounds      steady rounds per style (default ${FULL.rounds}; --quick: 1)
  --out         folder of the report (default: docs/, its JSON in docs/benchmarks/)`;

function listOf<T extends string>(value: string, allowed: readonly T[], name: string): T[] {
  const items = value.split(',').filter(Boolean);
  const unknown = items.filter((item) => !allowed.includes(item as T));
  if (items.length === 0 || unknown.length > 0) throw new Error(`--${name} takes some of ${allowed.join(',')}, not "${value}"`);
  return allowed.filter((item) => items.includes(item));
}

export function parseOptions(argv: string[]): CompareOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      topologies: { type: 'string' },
      styles: { type: 'string', default: interactionStyles.join(',') },
      rounds: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const plan = { ...(quick ? QUICK : FULL) };
  if (values.rounds !== undefined) {
    plan.rounds = Number(values.rounds);
    if (!Number.isInteger(plan.rounds) || plan.rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  }
  return {
    quick,
    topologies: listOf(values.topologies ?? (quick ? 'embedded' : 'embedded,stack'), ['embedded', 'stack'] as const, 'topologies'),
    styles: listOf(values.styles, interactionStyles, 'styles'),
    out: resolve(values.out ?? (quick ? join(root, 'reports', 'compare') : join(root, 'docs'))),
    plan,
  };
}
