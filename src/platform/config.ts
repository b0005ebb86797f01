import Type, { type Static, type TObject } from 'typebox';
import Value from 'typebox/value';

export const serviceNames = ['users', 'billing', 'orders', 'notifications'] as const;
export type ServiceName = (typeof serviceNames)[number];

const LogLevel = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
  { default: 'info', description: 'pino log level' },
);
const Port = (fallback: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: fallback, description });

const Duration = (fallback: string, description: string) =>
  Type.String({ pattern: '^[0-9]+(ms|s|m|h|d)$', default: fallback, description: `${description}, e.g. 500ms, 10s, 15m, 72h, 7d` });

/** What every service process needs: exactly what its Kubernetes Deployment sets, with the settings of its role below. */
export const ServiceProcessConfig = Type.Object({
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    description: "The service's own PostgreSQL database, e.g. postgres://billing:secret@db:5432/billing",
  }),
  NATS_URL: Type.String({
    pattern: '^(nats|tls)://',
    description: 'NATS server with JetStream, e.g. nats://nats:4222 (comma-separate the servers of a cluster)',
  }),
  NATS_STREAM_REPLICAS: Type.Union([Type.Literal(1), Type.Literal(3)], {
    default: 1,
    description: 'replication factor of the streams this service declares: 1, or 3 on a three-node JetStream cluster',
  }),
  PORT: Port(8080, 'HTTP port'),
  LOG_LEVEL: LogLevel,
  // Closing anyway at this deadline loses nothing: the outbox and the inbox are durable (see platform/shutdown.ts).
  SHUTDOWN_TIMEOUT: Duration('10s', 'how long a stop waits for in-flight work before it closes anyway'),
});
export type ServiceProcessConfig = Static<typeof ServiceProcessConfig>;

/** users signs the access tokens; it alone holds the private keys. */
export const TokenIssuerConfig = Type.Object({
  AUTH_SIGNING_KEYS_FILE: Type.String({
    minLength: 1,
    description: 'JSON JWK Set of Ed25519 private keys (streamshop keygen): the first signs, all are published',
  }),
  ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email', description: 'the operator account, created or updated at start' })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8, maxLength: 128, description: 'its password (8 to 128 characters)' })),
});

/** billing, orders and notifications check tokens with the public keys users publishes. */
export const TokenVerifierConfig = Type.Object({
  AUTH_JWKS_URL: Type.String({
    pattern: '^https?://',
    description: "users' public keys, e.g. http://users/users/.well-known/jwks.json (cached; read again for an unknown key id)",
  }),
});

/** The whole configuration of one service's process: the common settings and those of its role. */
export function serviceProcessConfig(service: ServiceName) {
  const role = service === 'users' ? TokenIssuerConfig : TokenVerifierConfig;
  return Type.Object({ ...ServiceProcessConfig.properties, ...role.properties } as typeof ServiceProcessConfig.properties &
    Partial<typeof TokenIssuerConfig.properties> &
    Partial<typeof TokenVerifierConfig.properties>);
}

/** Maintenance commands that only need the service's database. */
export const DatabaseOnlyConfig = Type.Object({
  DATABASE_URL: ServiceProcessConfig.properties.DATABASE_URL,
  LOG_LEVEL: LogLevel,
});

/** The embedded default: everything in one process, PostgreSQL from npm. */
export const EmbeddedConfig = Type.Object({
  PORT: Port(8080, 'gateway HTTP port (0 picks a free one)'),
  DATA_DIR: Type.String({ default: '.data', minLength: 1, description: 'where embedded PostgreSQL keeps its files' }),
  PG_PORT: Port(54329, 'port of the embedded PostgreSQL (0 picks a free one)'),
  NATS_URL: Type.Optional(
    Type.String({ pattern: '^(nats|tls)://', description: 'use NATS JetStream instead of the in-process bus' }),
  ),
  SHUTDOWN_TIMEOUT: ServiceProcessConfig.properties.SHUTDOWN_TIMEOUT,
  ADMIN_EMAIL: TokenIssuerConfig.properties.ADMIN_EMAIL,
  ADMIN_PASSWORD: TokenIssuerConfig.properties.ADMIN_PASSWORD,
  OUTBOX_RELAY: Type.Union([Type.Literal('on'), Type.Literal('paused')], {
    default: 'on',
    description: 'paused keeps events in the outboxes (maintenance; crash tests)',
  }),
  LOG_LEVEL: LogLevel,
});
export type EmbeddedConfig = Static<typeof EmbeddedConfig>;

export class ConfigError extends Error {}

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration setting such as `72h` (validated by the Duration pattern at start). */
export function durationMs(value: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new ConfigError(`"${value}" is not a duration such as 500ms, 10s, 15m, 72h or 7d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Reads the schema's variables from env, applies defaults, converts types, and explains every problem at once. */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const value = Value.Convert(schema, Value.Default(schema, raw));
  if (Value.Check(schema, value)) return value as Static<T>;
  const describe = (key: string, message: string) => {
    const description = (schema.properties[key] as { description?: string } | undefined)?.description;
    const got = key in raw ? ` (got ${JSON.stringify(raw[key])})` : ' (not set)';
    return `  ${key}: ${message}${got}${description ? ` — ${description}` : ''}`;
  };
  const problems = [...Value.Errors(schema, value)].flatMap((error) => {
    const missing = (error.params as { requiredProperties?: string[] }).requiredProperties;
    if (error.keyword === 'required' && missing) return missing.map((key) => describe(key, 'is required'));
    return [describe(error.instancePath.replace(/^\//, ''), error.message)];
  });
  throw new ConfigError(`Invalid configuration:\n${[...new Set(problems)].join('\n')}`);
}
