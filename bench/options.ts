/** The command line of npm run bench. */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');

export interface Options {
  durationS: number;
  warmupS: number;
  concurrency: number[];
  users: number;
  unaffordableShare: number;
  out: string;
  floor: boolean;
  cpuProf: boolean;
  quick: boolean;
  seed: number;
  topology: 'embedded' | 'stack';
  /** Also drive the floor with streamshop's token check in front (POST /checked/orders): what authentication costs. */
  authCost: boolean;
  /** Also drive the floor doing the order's work in four transactions, as streamshop's services do: what the commits cost apart from the messaging. */
  fourCommits: boolean;
  /** streamshop exports its traces (OTLP/HTTP) to a receiver in the bench process, as it would to a collector */
  traces: boolean;
  /** stack: orders go straight to the orders replicas, not through the gateway (in Kubernetes, the ingress's job) */
  direct: boolean;
  /** stack: processes per service, as `npm run stack -- --replicas` takes them */
  replicas: string;
  /** streamshop and the floor take turns this many times per level: the share is the median of the rounds' shares */
  rounds: number;
  /** also run the same business on DBOS Transact and Restate (bench/peers/), installed there on first use */
  peers: boolean;
  /** --peers: as shipped, tuned for the machine, or both */
  peerVariants: ('shipped' | 'tuned')[];
}

/** The flags of npm run bench, as parseArgs takes them: every value is read and checked by parseOptions. */
const FLAGS = {
  duration: { type: 'string' },
  warmup: { type: 'string' },
  concurrency: { type: 'string' },
  users: { type: 'string' },
  unaffordable: { type: 'string' },
  out: { type: 'string' },
  seed: { type: 'string' },
  quick: { type: 'boolean', default: false },
  'no-floor': { type: 'boolean', default: false },
  topology: { type: 'string', default: 'embedded' },
  'cpu-prof': { type: 'boolean', default: false },
  'auth-cost': { type: 'boolean', default: false },
  'four-commits': { type: 'boolean', default: false },
  direct: { type: 'boolean', default: false },
  traces: { type: 'boolean', default: false },
  // On one machine, a second replica of billing and orders only adds processes competing for the same cores.
  replicas: { type: 'string', default: 'billing=1,orders=1' },
  rounds: { type: 'string' },
  peers: { type: 'boolean', default: false },
  'peer-variants': { type: 'string', default: 'shipped,tuned' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const USAGE =
  'npm run bench -- [--duration S] [--warmup S] [--concurrency 1,8,32,128] [--users N] [--unaffordable 0.2]\n' +
  '                 [--quick] [--no-floor] [--auth-cost] [--four-commits] [--cpu-prof] [--out DIR] [--seed N] [--topology embedded|stack]\n' +
  '                 [--direct] [--replicas billing=1,orders=1]   (stack: bypass the gateway; processes per service)\n' +
  '                 [--rounds N]   (streamshop and the floor take turns N times per level; the share is the median)\n' +
  '                 [--traces]   (streamshop exports traces to a receiver in the bench, as to a collector)\n' +
  '                 [--peers] [--peer-variants shipped,tuned]   (the same business on DBOS and Restate too)';

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({ args: argv, options: FLAGS });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  if (values.direct && values.topology !== 'stack') throw new Error('--direct is for --topology stack');
  if (values.topology !== 'embedded' && values.topology !== 'stack') throw new Error(`--topology must be embedded or stack, got ${values.topology}`);
  const number = (value: string | undefined, fallback: number, name: string) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${value}`);
    return n;
  };
  const concurrency = (values.concurrency ?? (quick ? '8' : '1,8,32,128')).split(',').map(Number);
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`--concurrency must be positive integers, got ${values.concurrency}`);
  const durationS = number(values.duration, quick ? 2 : 10, 'duration');
  if (durationS <= 0) throw new Error('--duration must be above 0');
  const rounds = number(values.rounds, 1, 'rounds');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);

  return {
    durationS,
    warmupS: number(values.warmup, quick ? 0.5 : 2, 'warmup'),
    concurrency,
    users: Math.max(1, Math.round(number(values.users, quick ? 10 : 200, 'users'))),
    unaffordableShare: number(values.unaffordable, 0.2, 'unaffordable'),
    out: resolve(values.out ?? join(root, 'bench-results')),
    floor: !values['no-floor'],
    cpuProf: values['cpu-prof'],
    quick,
    seed: Math.round(number(values.seed, 42, 'seed')),
    topology: values.topology,
    authCost: values['auth-cost'] && !values['no-floor'],
    fourCommits: values['four-commits'] && !values['no-floor'],
    direct: values.direct,
    traces: values.traces,
    replicas: values.replicas,
    rounds,
    peers: values.peers,
    peerVariants: peerVariantsOf(values['peer-variants']),
  };
}

function peerVariantsOf(text: string): Options['peerVariants'] {
  const variants = text.split(',').filter(Boolean);
  if (variants.length === 0 || variants.some((v) => v !== 'shipped' && v !== 'tuned')) {
    throw new Error(`--peer-variants must list shipped and/or tuned, got ${text}`);
  }
  return variants as Options['peerVariants'];
}
