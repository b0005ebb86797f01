/**
 * npm run stack [-- --nats-cluster 3] [--replicas billing=2,orders=2]: the production topology on one machine
 * (scripts/stack/topology.ts), until Ctrl-C. Settings from the environment: see StackConfig below.
 *
 * The pieces are exported so the stack tests start, break and stop the same topology.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import closeWithGrace from 'close-with-grace';
import Type from 'typebox';
import { ConfigError, EmbeddedConfig, GatewayHost, loadConfig, operatorAccount, type ServiceName, serviceNames } from '../src/platform/runtime/index.ts';
import { createLogger } from '../src/platform/observability/index.ts';
import { findNatsServer } from './stack/nats.ts';
import { StackError } from './stack/processes.ts';
import { startStack } from './stack/topology.ts';

export { findNatsServer } from './stack/nats.ts';
export { StackError } from './stack/processes.ts';
export { SERVICE_NODE_FLAGS, type Stack, type StackOptions, startStack } from './stack/topology.ts';

/** Each service stops within its SHUTDOWN_TIMEOUT, the replicas at once; past this, whatever still runs is killed. */
const STOP_DEADLINE_MS = 30_000;

const Port = (fallback: number, description: string) => Type.Integer({ minimum: 0, maximum: 65535, default: fallback, description });

/** What `npm run stack` reads from the environment. */
export const StackConfig = Type.Object({
  PORT: Port(8080, 'gateway HTTP port (0 picks a free one)'),
  HOST: GatewayHost,
  DATA_DIR: Type.String({ default: '.data/stack', minLength: 1, description: 'where NATS, PostgreSQL and the service logs keep their files' }),
  NATS_PORT: Port(0, 'port of the NATS server the stack starts (0 picks a free one)'),
  NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://', form: (EmbeddedConfig.properties.NATS_URL as { form?: string }).form, description: 'use this NATS server (with JetStream) instead of starting one' })),
  PG_PORT: Port(0, 'port of PostgreSQL (0 picks a free one)'),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'log level of the services (their logs go to DATA_DIR/logs/)' },
  ),
  ADMIN_EMAIL: EmbeddedConfig.properties.ADMIN_EMAIL,
  ADMIN_PASSWORD: EmbeddedConfig.properties.ADMIN_PASSWORD,
  CPU_PROF_DIR: Type.Optional(Type.String({ minLength: 1, description: 'profile every service process (node --cpu-prof) into this folder' })),
  INTERACTION_STYLE: EmbeddedConfig.properties.INTERACTION_STYLE,
  PAYMENT_DEADLINE: EmbeddedConfig.properties.PAYMENT_DEADLINE,
  SERVICES_FROM: Type.Union([Type.Literal('src'), Type.Literal('dist')], {
    default: 'src',
    description: 'what the service processes run: the TypeScript sources, or the build of npm run build (what the image runs)',
  }),
});

const USAGE = `npm run stack -- [--style events|http|hybrid|saga] [--nats-cluster 1|3] [--replicas billing=2,orders=2]
  --style            how the services cooperate (as INTERACTION_STYLE; the http style starts no NATS)
  --nats-cluster 3   three NATS servers as one JetStream cluster, every stream kept by all three
  --replicas         processes per service (1 to 9; billing and orders default to 2, the others to 1)
settings from the environment:${Object.entries(StackConfig.properties)
  .map(([name, schema]) => `\n  ${name.padEnd(14)} ${(schema as { description?: string }).description ?? ''}`)
  .join('')}`;

/** The command line: --nats-cluster 1|3 and --replicas service=n,... (any service not named keeps its default). */
function parseCommandLine(argv: string[]): { natsCluster: 1 | 3; replicas: Partial<Record<ServiceName, number>>; style: string | undefined } {
  const { values } = parseArgs({
    args: argv,
    options: { style: { type: 'string' }, 'nats-cluster': { type: 'string', default: '1' }, replicas: { type: 'string', default: '' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const size = Number(values['nats-cluster']);
  if (size !== 1 && size !== 3) throw new ConfigError(`--nats-cluster is 1 or 3, not ${values['nats-cluster']}`);
  const replicas: Partial<Record<ServiceName, number>> = {};
  for (const pair of values.replicas.split(',').filter(Boolean)) {
    const [service, count] = pair.split('=');
    if (!serviceNames.includes(service as ServiceName) || !/^[1-9]$/.test(count ?? '')) {
      throw new ConfigError(`--replicas takes service=n pairs (n from 1 to 9, services ${serviceNames.join(', ')}), not "${pair}"`);
    }
    replicas[service as ServiceName] = Number(count);
  }
  return { natsCluster: size, replicas, style: values.style };
}

async function main(): Promise<void> {
  const { natsCluster, replicas, style } = parseCommandLine(process.argv.slice(2));
  // --style is INTERACTION_STYLE by another name: checked, and passed to every service, as the other settings are.
  const config = loadConfig(StackConfig, { ...process.env, ...(style ? { INTERACTION_STYLE: style } : {}) });
  const admin = operatorAccount(config);
  if (!config.NATS_URL && config.INTERACTION_STYLE !== 'http') findNatsServer();
  const log = createLogger('warn', 'stack');
  console.log(`starting the streamshop stack (data in ${config.DATA_DIR}/) ...`);
  const stack = await startStack({
    dataDir: config.DATA_DIR,
    port: config.PORT,
    host: config.HOST,
    natsPort: config.NATS_PORT,
    pgPort: config.PG_PORT,
    logLevel: config.LOG_LEVEL,
    servicesFrom: config.SERVICES_FROM,
    natsCluster,
    replicas,
    style: config.INTERACTION_STYLE,
    ...(config.CPU_PROF_DIR ? { cpuProfileDir: config.CPU_PROF_DIR } : {}),
    log,
    progress: (line) => console.log(`  ${line}`),
    ...(config.NATS_URL ? { natsUrl: config.NATS_URL } : {}),
    ...(admin ? { admin } : {}),
  });
  console.log(`\nstreamshop stack is running in the ${config.INTERACTION_STYLE} style: ${serviceNames.map((s) => `${s} ×${stack.replicas[s]}`).join(', ')}`);
  console.log(`  API      ${stack.url}/users  /billing  /orders  /notifications`);
  console.log(`  API docs ${stack.url}/docs`);
  console.log(`  Console  ${stack.url}/console${admin ? ` (log in as ${admin.email})` : ' (set ADMIN_EMAIL and ADMIN_PASSWORD to log in)'}`);
  console.log(`  logs     ${join(stack.dataDir, 'logs')}/`);
  console.log('  Ctrl-C to stop\n');

  // A second signal exits at once; the exit hook of startStack kills what still runs.
  closeWithGrace(
    { delay: STOP_DEADLINE_MS, onSecondSignal: (signal) => console.error(`\n${signal} again: exiting now`) },
    async ({ signal, err }) => {
      if (err) console.error('\nthe stack stops after an unexpected error:', err);
      else console.error(`\n${signal}: stopping the gateway, the services, NATS and PostgreSQL (again to force)`);
      await stack.stop();
    },
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error instanceof ConfigError || error instanceof StackError ? error.message : error);
    process.exit(error instanceof ConfigError ? 2 : 1);
  });
}
