/**
 * How a process runs: its configuration from environment variables, checked at start (config.ts); the interaction
 * style the services cooperate in (styles.ts); the lifecycle every service goes through — migrate, routes, consumer,
 * relay, retention, drain, close (service.ts); and the bounded stop on SIGTERM (shutdown.ts).
 */
export {
  ConfigError,
  ConsoleConfig,
  DatabaseOnlyConfig,
  durationMs,
  EmbeddedConfig,
  GatewayHost,
  loadConfig,
  operatorAccount,
  retentionOf,
  type ServiceName,
  serviceNames,
  serviceProcessConfig,
} from './config.ts';
export {
  type IdentitySettings,
  type RunningService,
  type ServiceDeps,
  type ServiceModule,
  type ServiceRuntime,
  migrationsOf,
  type StartServiceOptions,
  startService,
} from './service.ts';
export { closingReserveMs, ShutdownIncomplete, type StopTasks, stopWithin } from './shutdown.ts';
export { calledServices, calleesOf, type InteractionStyle, interactionStyles, usesBroker } from './styles.ts';
