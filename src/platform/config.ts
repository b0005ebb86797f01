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

/** What one service process needs: exactly what its Kubernetes Deployment sets. */
export const ServiceProcessConfig = Type.Object({
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    description: "The service's own PostgreSQL database, e.g. postgres://billing:secret@db:5432/billing",
  }),
  NATS_URL: Type.String({
    pattern: '^(nats|tls)://',
    description: 'NATS server with JetStream, e.g. nats://nats:4222 (comma-separate several)',
  }),
  PORT: Port(8080, 'HTTP port'),
  LOG_LEVEL: LogLevel,
});
export type ServiceProcessConfig = Static<typeof ServiceProcessConfig>;

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
  OUTBOX_RELAY: Type.Union([Type.Literal('on'), Type.Literal('paused')], {
    default: 'on',
    description: 'paused keeps events in the outboxes (maintenance; crash tests)',
  }),
  LOG_LEVEL: LogLevel,
});
export type EmbeddedConfig = Static<typeof EmbeddedConfig>;

export class ConfigError extends Error {}

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
