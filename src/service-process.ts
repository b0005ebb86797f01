import { durationMs, loadConfig, type ServiceName, ServiceProcessConfig } from './platform/config.ts';
import { isDatabaseUnavailable } from './platform/db.ts';
import { createLogger } from './platform/logger.ts';
import { connectNatsBus } from './platform/nats-bus.ts';
import { startService } from './platform/service.ts';
import { stopWithin } from './platform/shutdown.ts';
import { services } from './services/index.ts';

/**
 * One service alone, configured by environment variables: what the container image runs.
 * Returns the stop function (bounded by SHUTDOWN_TIMEOUT, see platform/shutdown.ts): HTTP, the consumers and the
 * relay, then the pool and the bus.
 */
export async function startServiceProcess(name: ServiceName): Promise<{ stop(): Promise<void>; shutdownTimeoutMs: number }> {
  const config = loadConfig(ServiceProcessConfig);
  const log = createLogger(config.LOG_LEVEL, name);
  const bus = await connectNatsBus({ servers: config.NATS_URL, name, log });
  try {
    const service = await startService(services[name], { databaseUrl: config.DATABASE_URL, bus, log }).catch((error: unknown) => {
      if (!isDatabaseUnavailable(error)) throw error;
      const host = new URL(config.DATABASE_URL).host;
      throw new Error(`${name} cannot start: its database at ${host} does not answer (${(error as Error).message})`, { cause: error });
    });
    const stop = () =>
      stopWithin(durationMs(config.SHUTDOWN_TIMEOUT), log, {
        drain: service.drain(),
        close: ({ cut }) => ({ 'database pool': () => service.close(cut ? 0 : 1), 'NATS connection': () => bus.close() }),
      });
    try {
      await service.startRelay();
      await service.app.listen({ port: config.PORT, host: '0.0.0.0' });
    } catch (error) {
      await stop().catch(() => {});
      throw error;
    }
    const address = service.app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    log.info({ port }, 'listening');
    console.log(`streamshop ${name} (pid ${process.pid}) listens on http://0.0.0.0:${port}/${name} — ready at /${name}/health/ready`);
    return { stop, shutdownTimeoutMs: durationMs(config.SHUTDOWN_TIMEOUT) };
  } catch (error) {
    await bus.close().catch(() => {});
    throw error;
  }
}
