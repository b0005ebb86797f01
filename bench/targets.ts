/**
 * The two targets of a run, as child processes on fresh data folders: streamshop (the embedded default, or the
 * stack) and the floor (bench/floor.ts); and what both are given, so that they do the same business: the same money
 * per user and the same prices.
 */
import { join, resolve } from 'node:path';
import type { Options } from './options.ts';
import { type Child, startChild } from './processes.ts';
import type { BenchUser } from './streamshop.ts';

const root = resolve(import.meta.dirname, '..');

export const MONEY = { deposit: 10_000_000_000, withdrawal: 1_000_000 };
export const PRICES = { affordablePrice: { min: 100, max: 10_000 }, unaffordablePrice: 1_000_000_000_000 };
/** The operator account streamshop is started with: it reads every user's state back after the run. */
export const OPERATOR = { email: 'bench-operator@example.com', password: `bench-${crypto.randomUUID()}` };

/** Where the targets keep their data, CPU profiles and traces, and how the run keeps hold of the processes it starts. */
export interface TargetContext {
  work: string;
  profileDir: string;
  tracesUrl: string | undefined;
  track: (child: Child) => Child;
}

/** streamshop (the embedded default, or the stack) and the floor, as child processes on fresh data folders. */
export async function startTargets(options: Options, { work, profileDir, tracesUrl, track }: TargetContext) {
  const started = await Promise.allSettled([
    startChild({
      name: 'streamshop',
      // The stack: NATS, PostgreSQL and one process per service replica (two of billing and orders), behind a gateway.
      args: [
        ...(options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
        join(root, options.topology === 'stack' ? 'scripts/stack.ts' : 'src/main.ts'),
        ...(options.topology === 'stack' && options.replicas ? ['--replicas', options.replicas] : []),
      ],
      env: {
        PORT: '0',
        PG_PORT: '0',
        DATA_DIR: join(work, 'streamshop'),
        LOG_LEVEL: 'warn',
        ...(tracesUrl ? { OTEL_EXPORTER_OTLP_ENDPOINT: tracesUrl } : {}),
        ADMIN_EMAIL: OPERATOR.email,
        ADMIN_PASSWORD: OPERATOR.password,
        ...(options.topology === 'stack' ? { SERVICES_FROM: 'dist', ...(options.cpuProf ? { CPU_PROF_DIR: profileDir } : {}) } : {}),
      },
      urlPattern: /API\s+(http:\/\/[\d.]+:\d+)\/users/,
    }).then(track),
    options.floor
      ? startChild({
          name: 'floor',
          args: [join(import.meta.dirname, 'floor.ts')],
          env: { PORT: '0', DATA_DIR: join(work, 'floor') },
          urlPattern: /floor listening on (http:\/\/[\d.]+:\d+)/,
        }).then(track)
      : Promise.resolve(undefined),
  ]);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  return { system: (started[0] as PromiseFulfilledResult<Child>).value, floor: (started[1] as PromiseFulfilledResult<Child | undefined>).value };
}

/** The floor's users, with the same money as streamshop's: the floor creates them itself, in its own database. */
export async function setUpFloorUsers(floor: Child, users: number): Promise<BenchUser[]> {
  const response = await fetch(`${floor.url}/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ users, ...MONEY }),
  });
  return ((await response.json()) as { users: BenchUser[] }).users;
}
