import Type, { type Static, type TObject } from 'typebox';
import Value from 'typebox/value';
import { ConfigError } from '../common/index.ts';
import { describeProblems } from './config-problems.ts';

export { ConfigError };

export const serviceNames = ['users', 'billing', 'orders', 'notifications'] as const;
export type ServiceName = (typeof serviceNames)[number];

const LogLevel = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
  { default: 'info', description: 'pino log level' },
);
const Port = (fallback: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: fallback, description });

/** Every HTTP listener binds it: a fresh checkout answers this machine only, a container (which sets 0.0.0.0) its network. */
const Host = (listener: string) =>
  Type.String({
    pattern: '^[^\\s/]+$',
    form: 'an IP address or a host name, e.g. 127.0.0.1, 0.0.0.0 or ::',
    default: '127.0.0.1',
    description: `address ${listener} binds: 127.0.0.1 answers this machine only; 0.0.0.0 every network interface, as in a container (the image sets it)`,
  });

const Duration = (fallback: string, description: string) =>
  Type.String({
    pattern: '^[0-9]+(ms|s|m|h|d)$',
    form: 'a whole number with a unit (ms, s, m, h or d), e.g. 500ms, 10s, 15m, 72h, 7d',
    default: fallback,
    description: `${description}, e.g. 500ms, 10s, 15m, 72h, 7d`,
  });

const NATS_URL_FORM = 'nats:// or tls:// URLs, comma-separated, e.g. nats://nats:4222';
const HTTP_URL_FORM = 'an http:// or https:// URL';

/**
 * How long the messaging tables keep rows (platform/retention.ts). Why these defaults:
 * - a published outbox row is needed only to look back at a flow: a day of history;
 * - an inbox id must outlive every copy of its event that can still arrive: a republish by the relay after a crash
 *   (seconds), a redelivery after a lost ack (the 30 s ack wait, the backoff), a stream replayed to a consumer
 *   declared anew (the streams keep events 3 days): a week;
 * - an idempotency key must outlive a client's retries; clients retry within a day: two days;
 * - a handled dead letter is kept as a record of what failed and how it was settled: 30 days.
 * Unpublished outbox rows and dead letters still waiting are never deleted.
 */
export const RetentionConfig = Type.Object({
  RETENTION_OUTBOX: Duration('24h', 'how long published outbox rows are kept'),
  RETENTION_INBOX: Duration('7d', 'how long the ids of handled events are kept (longer than any redelivery)'),
  RETENTION_IDEMPOTENCY_KEYS: Duration('48h', 'how long Idempotency-Key answers are kept (at least 24h)'),
  RETENTION_DEAD_LETTERS: Duration('30d', 'how long replayed or discarded dead letters are kept'),
});
export type RetentionConfig = Static<typeof RetentionConfig>;

/** MESSAGE_BATCHING: the speed layer over the plain messaging path (platform/batching/). */
export const MessageBatchingSetting = Type.Union([Type.Literal('on'), Type.Literal('off')], {
  default: 'on',
  description: 'on: deliveries that arrive together share a transaction, requests that write at once a group commit; off: each takes the plain path alone',
});

/** INTERACTION_STYLE: how the services cooperate (runtime/styles.ts, docs/architecture.md). */
export const InteractionStyleSetting = Type.Union(
  [Type.Literal('events'), Type.Literal('http'), Type.Literal('hybrid'), Type.Literal('saga')],
  {
    default: 'events',
    description: 'events: Event Collaboration through the broker; http: internal HTTP calls only, no broker; hybrid: the payment by HTTP, reactions through the broker; saga: orders orchestrates the payment with commands and a deadline',
  },
);

/** The settings of the styles' internal calls and of the saga, the same in every topology. */
export const StyleSettings = {
  INTERACTION_STYLE: InteractionStyleSetting,
  PAYMENT_DEADLINE: Duration('30s', 'saga: how long orders waits for the charge before it rejects the order (payment_timeout) and gives the money back'),
};

/** What every service process needs: exactly what its Kubernetes Deployment sets, with the settings of its role below. */
export const ServiceProcessConfig = Type.Object({
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    form: 'a postgres:// or postgresql:// URL, e.g. postgres://billing:secret@db:5432/billing',
    description: "The service's own PostgreSQL database, e.g. postgres://billing:secret@db:5432/billing",
  }),
  NATS_URL: Type.Optional(
    Type.String({
      pattern: '^(nats|tls)://',
      form: NATS_URL_FORM,
      description: 'NATS server with JetStream, e.g. nats://nats:4222 (comma-separate the servers of a cluster); every style but http needs it',
    }),
  ),
  NATS_STREAM_REPLICAS: Type.Union([Type.Literal(1), Type.Literal(3)], {
    default: 1,
    description: 'replication factor of the streams this service declares: 1, or 3 on a three-node JetStream cluster',
  }),
  PORT: Port(8080, 'HTTP port'),
  INTERNAL_PORT: Port(8081, 'HTTP port of the internal endpoints other services call (http and hybrid styles); never exposed'),
  HOST: Host('the HTTP listener'),
  LOG_LEVEL: LogLevel,
  MESSAGE_BATCHING: MessageBatchingSetting,
  ...StyleSettings,
  SERVICE_SIGNING_KEY: Type.Optional(
    Type.String({ minLength: 2, description: 'the service key (an Ed25519 private JWK, JSON) that signs and checks internal calls; http and hybrid styles' }),
  ),
  BILLING_INTERNAL_URL: Type.Optional(Type.String({ pattern: '^https?://', description: "billing's internal listener, e.g. http://billing:8081 (users and orders, http and hybrid styles)" })),
  NOTIFICATIONS_INTERNAL_URL: Type.Optional(
    Type.String({ pattern: '^https?://', description: "notifications' internal listener, e.g. http://notifications:8081 (users and orders, http style)" }),
  ),
  // Closing anyway at this deadline loses nothing: the outbox and the inbox are durable (see platform/shutdown.ts).
  SHUTDOWN_TIMEOUT: Duration('10s', 'how long a stop waits for in-flight work before it closes anyway'),
  ...RetentionConfig.properties,
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(
    Type.String({
      pattern: '^https?://',
      form: `${HTTP_URL_FORM}, e.g. http://otel-collector:4318`,
      description: 'OpenTelemetry collector (OTLP/HTTP) to export traces to, e.g. http://otel-collector:4318; unset: no export',
    }),
  ),
});
export type ServiceProcessConfig = Static<typeof ServiceProcessConfig>;

/** users signs the access tokens; it alone holds the private keys. */
export const TokenIssuerConfig = Type.Object({
  AUTH_SIGNING_KEYS_FILE: Type.String({
    minLength: 1,
    description: 'JSON JWK Set of Ed25519 private keys (streamshop keygen): the first signs, all are published',
  }),
  ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email', description: 'the operator account, created or updated at start' })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8, maxLength: 128, secret: true, description: 'its password (8 to 128 characters)' })),
});

/** billing, orders and notifications check tokens with the public keys users publishes. */
export const TokenVerifierConfig = Type.Object({
  AUTH_JWKS_URL: Type.String({
    pattern: '^https?://',
    form: `${HTTP_URL_FORM}, e.g. http://users/users/.well-known/jwks.json`,
    description: "users' public keys, e.g. http://users/users/.well-known/jwks.json (cached; read again for an unknown key id)",
  }),
});

/** Every setting a service process may have; which of the role's are required depends on the service. */
const AnyServiceProcessConfig = Type.Object({
  ...ServiceProcessConfig.properties,
  ...Type.Partial(TokenIssuerConfig).properties,
  ...Type.Partial(TokenVerifierConfig).properties,
});

/** The whole configuration of one service's process: the common settings and those of its role. */
export function serviceProcessConfig(service: ServiceName): typeof AnyServiceProcessConfig {
  const role = service === 'users' ? TokenIssuerConfig : TokenVerifierConfig;
  return Type.Object({ ...ServiceProcessConfig.properties, ...role.properties }) as unknown as typeof AnyServiceProcessConfig;
}

/**
 * The operators' console as a process of its own (`streamshop console`): no database; it watches the events on NATS
 * and checks tokens with users' public keys, as billing does.
 */
export const ConsoleConfig = Type.Object({
  NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://', form: NATS_URL_FORM, description: 'NATS to watch for the live feed; unset (the http style has no broker): no live feed' })),
  AUTH_JWKS_URL: TokenVerifierConfig.properties.AUTH_JWKS_URL,
  PORT: ServiceProcessConfig.properties.PORT,
  HOST: ServiceProcessConfig.properties.HOST,
  LOG_LEVEL: LogLevel,
});
export type ConsoleConfig = Static<typeof ConsoleConfig>;

/** The gateway's address, for every topology that has one (the embedded default, the stack). */
export const GatewayHost = Host('the gateway');

/** Maintenance commands that only need the service's database. */
export const DatabaseOnlyConfig = Type.Object({
  DATABASE_URL: ServiceProcessConfig.properties.DATABASE_URL,
  INTERACTION_STYLE: InteractionStyleSetting,
  LOG_LEVEL: LogLevel,
});

/** The embedded default: everything in one process, PostgreSQL from npm. */
export const EmbeddedConfig = Type.Object({
  PORT: Port(8080, 'gateway HTTP port (0 picks a free one)'),
  HOST: GatewayHost,
  DATA_DIR: Type.String({ default: '.data', minLength: 1, description: 'where embedded PostgreSQL keeps its files' }),
  PG_PORT: Port(54329, 'port of the embedded PostgreSQL (0 picks a free one)'),
  NATS_URL: Type.Optional(
    Type.String({ pattern: '^(nats|tls)://', form: NATS_URL_FORM, description: 'use NATS JetStream instead of the in-process bus' }),
  ),
  SHUTDOWN_TIMEOUT: ServiceProcessConfig.properties.SHUTDOWN_TIMEOUT,
  ...RetentionConfig.properties,
  OTEL_EXPORTER_OTLP_ENDPOINT: ServiceProcessConfig.properties.OTEL_EXPORTER_OTLP_ENDPOINT,
  ADMIN_EMAIL: TokenIssuerConfig.properties.ADMIN_EMAIL,
  ADMIN_PASSWORD: TokenIssuerConfig.properties.ADMIN_PASSWORD,
  OUTBOX_RELAY: Type.Union([Type.Literal('on'), Type.Literal('paused')], {
    default: 'on',
    description: 'paused keeps events in the outboxes (maintenance; crash tests)',
  }),
  MESSAGE_BATCHING: MessageBatchingSetting,
  ...StyleSettings,
  INTERNAL_PORT: Port(0, 'loopback port of the internal endpoints (http and hybrid styles; 0 picks a free one)'),
  LOG_LEVEL: LogLevel,
});
export type EmbeddedConfig = Static<typeof EmbeddedConfig>;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration setting such as `72h` (validated by the Duration pattern at start). */
export function durationMs(value: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new ConfigError(`"${value}" is not a duration such as 500ms, 10s, 15m, 72h or 7d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Reads the schema's variables from env, applies defaults, converts types, and explains every problem at once, one line each. */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const value = Value.Convert(schema, Value.Default(schema, raw));
  if (Value.Check(schema, value)) return value as Static<T>;
  throw new ConfigError(describeProblems(schema, raw, value as Record<string, unknown>).join('\n'));
}

/** The operator's account from ADMIN_EMAIL and ADMIN_PASSWORD: both, or neither (then there is no admin). */
export function operatorAccount(config: { ADMIN_EMAIL?: string | undefined; ADMIN_PASSWORD?: string | undefined }) {
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = config;
  if (email === undefined && password === undefined) return undefined;
  if (email === undefined || password === undefined) {
    throw new ConfigError('ADMIN_EMAIL and ADMIN_PASSWORD: set both, or neither (no operator account)');
  }
  return { email, password };
}

/** The retention settings as the retention worker takes them. */
export function retentionOf(config: RetentionConfig) {
  return {
    outbox: durationMs(config.RETENTION_OUTBOX),
    inbox: durationMs(config.RETENTION_INBOX),
    idempotencyKeys: durationMs(config.RETENTION_IDEMPOTENCY_KEYS),
    deadLetters: durationMs(config.RETENTION_DEAD_LETTERS),
  };
}
