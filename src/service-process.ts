import { ConfigError, durationMs, loadConfig, operatorAccount, retentionOf, type ServiceName, serviceProcessConfig, type IdentitySettings, startService, stopWithin } from './platform/runtime/index.ts';
import { bindingProblem, urlOf } from './platform/common/index.ts';
import { isDatabaseUnavailable } from './platform/database/index.ts';
import { createLogger } from './platform/observability/index.ts';
import { connectNatsBus, streamsOf } from './platform/messaging/nats/index.ts';
import { createTokenIssuer, localTokenVerifier, readSigningKeys, remoteTokenVerifier, type TokenVerifier } from './platform/access/index.ts';
import { services } from './services/index.ts';

/**
 * One service alone, configured by environment variables: what the container image runs.
 * Returns the stop function (bounded by SHUTDOWN_TIMEOUT, see platform/shutdown.ts): HTTP, the consumers and the
 * relay, then the pool and the bus.
 */
export async function startServiceProcess(name: ServiceName): Promise<{ stop(): Promise<void>; shutdownTimeoutMs: number }> {
  const config = loadConfig(serviceProcessConfig(name));
  const log = createLogger(config.LOG_LEVEL, name);
  const { verifier, identity } = await accessFor(name, config);
  const bus = await connectNatsBus({
    servers: config.NATS_URL,
    name,
    log,
    streams: streamsOf(Object.keys(services)),
    streamReplicas: config.NATS_STREAM_REPLICAS,
  });
  try {
    const options = {
      databaseUrl: config.DATABASE_URL,
      bus,
      log,
      verifier,
      retention: retentionOf(config),
      messageBatching: config.MESSAGE_BATCHING,
      tracesEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      ...(identity ? { identity } : {}),
    };
    const service = await startService(services[name], options).catch(
      (error: unknown) => {
        if (!isDatabaseUnavailable(error)) throw error;
        const host = new URL(config.DATABASE_URL).host;
        throw new Error(`${name} cannot start: its database at ${host} does not answer (${(error as Error).message})`, { cause: error });
      },
    );
    const stop = () =>
      stopWithin(durationMs(config.SHUTDOWN_TIMEOUT), log, {
        drain: service.drain(),
        close: ({ cut }) => ({ 'database pool': () => service.close(cut ? 0 : 1), 'NATS connection': () => bus.close() }),
      });
    try {
      await service.startRelay();
      const binding = { setting: 'PORT', port: config.PORT, host: config.HOST };
      await service.app.listen({ port: binding.port, host: binding.host }).catch((error: unknown) => {
        throw bindingProblem(error, binding) ?? error;
      });
    } catch (error) {
      await stop().catch(() => {});
      throw error;
    }
    const url = urlOf(service.app.server.address());
    log.info({ url }, 'listening');
    console.log(`streamshop ${name} (pid ${process.pid}) listens on ${url}/${name} — ready at /${name}/health/ready (MESSAGE_BATCHING=${config.MESSAGE_BATCHING})`);
    return { stop, shutdownTimeoutMs: durationMs(config.SHUTDOWN_TIMEOUT) };
  } catch (error) {
    await bus.close().catch(() => {});
    throw error;
  }
}

/** users signs tokens with its private keys and checks them with their public half; the others ask users for those once. */
async function accessFor(
  name: ServiceName,
  config: { AUTH_SIGNING_KEYS_FILE?: string; AUTH_JWKS_URL?: string; ADMIN_EMAIL?: string; ADMIN_PASSWORD?: string },
): Promise<{ verifier: TokenVerifier; identity?: IdentitySettings }> {
  if (name !== 'users') {
    if (!config.AUTH_JWKS_URL) throw new ConfigError('AUTH_JWKS_URL: is required (not set)');
    return { verifier: remoteTokenVerifier(config.AUTH_JWKS_URL) };
  }
  if (!config.AUTH_SIGNING_KEYS_FILE) throw new ConfigError('AUTH_SIGNING_KEYS_FILE: is required (not set)');
  const issuer = await createTokenIssuer(await readSigningKeys(config.AUTH_SIGNING_KEYS_FILE));
  const operator = operatorAccount(config);
  return { verifier: localTokenVerifier(issuer.publicKeys()), identity: { issuer, ...(operator ? { operator } : {}) } };
}
