/** The comparison's side of a system under test (bench/compare/target.ts): start it, drive its controls, read its metrics. */
import { join } from 'node:path';
import type { InteractionStyle, ServiceName } from '../../src/platform/runtime/index.ts';
import { type Child, startChild } from '../processes.ts';
import type { Control } from './target.ts';

export type Topology = 'embedded' | 'stack';

export interface Target {
  topology: Topology;
  style: InteractionStyle;
  child: Child;
  url: string;
  /** Freezes, thaws, kills or restarts a service; resolves once done (a restart: once ready again). */
  control(action: Control, service: ServiceName): Promise<void>;
  /** A counter or gauge of one service's /metrics (summed over its label sets), 0 when it has none. */
  metric(service: ServiceName, name: string): Promise<number>;
}

export interface TargetStart {
  topology: Topology;
  style: InteractionStyle;
  /** A fresh folder of its own: PostgreSQL (and NATS) data, the stack's service logs. */
  dataDir: string;
  /** PAYMENT_DEADLINE of the saga (the others ignore it). */
  paymentDeadline: string;
  operator: { email: string; password: string };
}

/** Every system started and not yet stopped: an interrupted comparison stops them all. */
const running = new Set<Child>();

export async function stopEveryTarget(): Promise<void> {
  await Promise.allSettled([...running].map((child) => child.stop()));
}

export async function startTarget({ topology, style, dataDir, paymentDeadline, operator }: TargetStart): Promise<Target> {
  const child = await startChild({
    name: `${style} (${topology})`,
    args: [join(import.meta.dirname, 'target.ts'), topology],
    env: {
      PORT: '0',
      PG_PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      INTERACTION_STYLE: style,
      PAYMENT_DEADLINE: paymentDeadline,
      ADMIN_EMAIL: operator.email,
      ADMIN_PASSWORD: operator.password,
    },
    urlPattern: /^compare target API (http:\/\/\S+) control/,
    // The stack starts NATS, PostgreSQL and five processes; on a busy machine that takes a while.
    timeoutMs: 180_000,
  });
  running.add(child);
  void child.exited.then(() => running.delete(child));
  const controlUrl = child.startupLines.flatMap((line) => / control (http:\/\/\S+)$/.exec(line)?.[1] ?? [])[0];
  if (!controlUrl) throw new Error(`${child.name} printed no control address`);
  return {
    topology,
    style,
    child,
    url: child.url,
    async control(action, service) {
      const response = await fetch(`${controlUrl}/${action}/${service}`, { method: 'POST' });
      if (response.status !== 204) throw new Error(`${action} ${service} on ${child.name}: ${response.status} ${await response.text()}`);
    },
    async metric(service, name) {
      const response = await fetch(`${child.url}/${service}/metrics`, { signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      let total = 0;
      for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) total += Number(match[1]);
      return total;
    },
  };
}
