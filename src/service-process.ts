import { bindingProblem, urlOf } from './platform/common/index.ts';
import { isDatabaseUnavailable } from './platform/database/index.ts';
import { createLogger, type Logger } from './platform/observability/index.ts';
import { durationMs, type InteractionStyle, loadConfig, retentionOf, type ServiceName, serviceProcessConfig, startService, stopWithin, usesBroker } from './platform/runtime/index.ts';
import { accessFor, checkStyleSettings, internalCallsFor } from './service-settings.ts';
import { services } from './services/index.ts';

/**
 * One service alone, configured by environment variables: what the container image runs.
 * Returns the stop function (bounded by SHUTDOWN_TIMEOUT, see platform/runtime/shutdown.ts): HTTP, the consumers and
 * the relay, then the pool and the bus.
 */
export async function startServiceProcess(name: ServiceName): Promise<{ stop(): Promise<void>; shutdownTimeoutMs: number }> {
  const config = loadConfig(serviceProcessConfig(name));
  checkStyleSettings(name, config);
  const log = createLogger(config.LOG_LEVEL, name);
  const { verifier, identity } = await accessFor(name, config);
  const internal = await internalCallsFor(config);
  const bus = await brokerFor(name, config, log);
  try {
    const options = {
      databaseUrl: config.DATABASE_URL,
      bus,
      log,
      verifier,
      retention: retentionOf(config),
      messageBatching: config.MESSAGE_BATCHING,
      style: config.INTERACTION_STYLE,
      paymentDeadlineMs: durationMs(config.PAYMENT_DEADLINE),
      internal,
      tracesEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      ...(identity ? { identity } : {}),
    };
    const service = await startService(services[name], options).catch((error: unknown) => {
      if (!isDatabaseUnavailable(error)) throw error;
      const host = new URL(config.DATABASE_URL).host;
      throw new Error(`${name} cannot start: its database at ${host} does not answer (${(error as Error).message})`, { cause: error });
    });
    const stop = () =>
      stopWithin(durationMs(config.SHUTDOWN_TIMEOUT), log, {
        drain: service.drain(),
        close: ({ cut }) => ({ 'database pool': () => service.close(cut ? 0 : 1), 'NATS connection': async () => bus?.close() }),
      });
    try {
      await service.startRelay();
      for (const [app, binding] of [
        [service.app, { setting: 'PORT', port: config.PORT, host: config.HOST }],
        [service.internalApp, { setting: 'INTERNAL_PORT', port: config.INTERNAL_PORT, host: config.HOST }],
      ] as const) {
        await app?.listen({ port: binding.port, host: binding.host }).catch((error: unknown) => {
          throw bindingProblem(error, binding) ?? error;
        });
      }
    } catch (error) {
      await stop().catch(() => {});
      throw error;
    }
    const url = urlOf(service.app.server.address());
    log.info({ url }, 'listening');
    const settings = `INTERACTION_STYLE=${config.INTERACTION_STYLE} MESSAGE_BATCHING=${config.MESSAGE_BATCHING}`;
    console.log(`streamshop ${name} (pid ${process.pid}) listens on ${url}/${name} — ready at /${name}/health/ready (${settings})`);
    // Not awaited: in the http styles it waits for the services it calls, which may start after this one.
    service.whenSystemUp().catch((error: unknown) => log.error({ err: error }, 'the work to do once the system is up failed'));
    return { stop, shutdownTimeoutMs: durationMs(config.SHUTDOWN_TIMEOUT) };
  } catch (error) {
    await bus?.close().catch(() => {});
    throw error;
  }
}

/** NATS JetStream, in every style but http, which has no broker. */
async function brokerFor(name: ServiceName, config: { INTERACTION_STYLE: InteractionStyle; NATS_URL?: string | undefined; NATS_STREAM_REPLICAS: 1 | 3 }, log: Logger) {
  if (!usesBroker(config.INTERACTION_STYLE) || !config.NATS_URL) return undefined;
  const { connectNatsBus, streamsOf } = await import('./platform/messaging/nats/index.ts');
  return connectNatsBus({ servers: config.NATS_URL, name, log, streams: streamsOf(Object.keys(services)), streamReplicas: config.NATS_STREAM_REPLICAS });
}
