import { startEmbeddedPostgres } from '../../src/platform/database/index.ts';
import type { Logger } from '../../src/platform/observability/index.ts';
import type { ServiceName } from '../../src/platform/runtime/index.ts';
import { running, StackError } from './processes.ts';
import type { Replicas } from './replicas.ts';
import type { Parts, Stack } from './topology.ts';

/** What callers may do with a running stack: read its addresses, kill and restart replicas, stop NATS or PostgreSQL. */
export function stackControls(
  parts: Parts,
  { dataDir, counts, unexpected, log, stopAll }: { dataDir: string; counts: Record<ServiceName, number>; unexpected: string[]; log: Logger; stopAll(): Promise<void> },
): Stack {
  const processes = parts.replicas as Replicas;
  const { nats } = parts;
  return {
    url: (parts.gateways[0] as { url: string }).url,
    internalUrl: parts.gateways[1]?.url,
    natsUrl: parts.natsUrl,
    dataDir,
    replicas: counts,
    databaseUrl(service) {
      if (!parts.pg) throw new StackError('PostgreSQL is not running');
      return parts.pg.urlFor(service);
    },
    replicaUrl: (service, index) => `http://127.0.0.1:${processes.of(service, index).port}`,
    isRunning: (service, index) => running(processes.of(service, index).child),
    pid(service, index) {
      const { child } = processes.of(service, index);
      return running(child) ? child.pid : undefined;
    },
    async kill(service, index, signal = 'SIGKILL') {
      await processes.stop(processes.of(service, index), signal);
    },
    async restart(service, index) {
      const replica = processes.of(service, index);
      await processes.stop(replica, 'SIGTERM');
      processes.spawn(replica);
      await processes.waitReady(replica);
    },
    unexpectedExits: () => [...unexpected],
    nats,
    async stopNats() {
      if (!nats) throw new StackError('the stack started no NATS (an external NATS_URL, or the http style)');
      await nats.stop();
    },
    async startNats() {
      if (!nats) throw new StackError('the stack started no NATS (an external NATS_URL, or the http style)');
      await nats.start();
    },
    async stopDatabase() {
      await parts.pg?.stop();
    },
    async startDatabase() {
      parts.pg = await startEmbeddedPostgres({ dataDir, port: parts.pgPort, log });
    },
    stop: stopAll,
  };
}
