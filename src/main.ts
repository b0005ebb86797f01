#!/usr/bin/env node
/**
 * streamshop [all]            the embedded default: everything in one process (npm start)
 * streamshop <service>        one service alone: users | billing | orders | notifications
 * streamshop console          the operators' console alone (the stack and Kubernetes run it so)
 * streamshop replay-dead-letters <service>   hands a service's dead letters to its handlers again
 * streamshop keygen [--add <file>]            prints a JWK Set with a new signing key (in front of the file's keys)
 */
import closeWithGrace from 'close-with-grace';
import { ConfigError, durationMs, EmbeddedConfig, loadConfig, type ServiceName, serviceNames } from './platform/runtime/index.ts';
import { createLogger } from './platform/observability/index.ts';
import { startEmbeddedSystem } from './system.ts';

const [command = 'all', argument] = process.argv.slice(2);

/** Past SHUTDOWN_TIMEOUT the stop closes by itself; this is the last resort if even that hangs. */
const LAST_RESORT_MS = 2_000;

/** Why the process must end although nobody asked (the embedded PostgreSQL could not be restarted). */
let fatal: Error | undefined;
let stopNow = () => {};

interface Running {
  stop(): Promise<void>;
  shutdownTimeoutMs: number;
}

async function main(): Promise<Running> {
  if (command === 'all') {
    const config = loadConfig(EmbeddedConfig);
    const log = createLogger(config.LOG_LEVEL, 'streamshop');
    const onFatal = (error: Error) => {
      fatal = error;
      stopNow();
    };
    const system = await startEmbeddedSystem(config, log, { onFatal });
    const bus = config.INTERACTION_STYLE === 'http' ? 'no broker (http style)' : config.NATS_URL ? 'NATS JetStream (NATS_URL)' : 'in-process bus';
    console.log(`\nstreamshop is running (embedded: PostgreSQL from npm, ${bus}, data in ${config.DATA_DIR}/)`);
    console.log(`  API      ${system.url}/users  /billing  /orders  /notifications`);
    console.log(`  API docs ${system.url}/docs`);
    console.log(`  Console  ${system.url}/console${config.ADMIN_EMAIL ? ` (log in as ${config.ADMIN_EMAIL})` : ' (set ADMIN_EMAIL and ADMIN_PASSWORD to log in)'}`);
    console.log(`  Settings INTERACTION_STYLE=${config.INTERACTION_STYLE} MESSAGE_BATCHING=${config.MESSAGE_BATCHING}`);
    console.log('  Ctrl-C to stop\n');
    return { stop: system.stop, shutdownTimeoutMs: durationMs(config.SHUTDOWN_TIMEOUT) };
  }
  if ((serviceNames as readonly string[]).includes(command)) {
    const { startServiceProcess } = await import('./service-process.ts');
    return startServiceProcess(command as ServiceName);
  }
  if (command === 'console') {
    const { startConsoleProcess } = await import('./console/process.ts');
    return startConsoleProcess();
  }
  if (command === 'keygen') {
    const { keygenCommand } = await import('./keygen-command.ts');
    await keygenCommand(process.argv.slice(3));
    process.exit(0);
  }
  if (command === 'replay-dead-letters' && (serviceNames as readonly string[]).includes(argument ?? '')) {
    const { replayDeadLettersCommand } = await import('./replay-command.ts');
    await replayDeadLettersCommand(argument as ServiceName);
    process.exit(0);
  }
  throw new ConfigError(
    `Unknown command "${[command, argument].filter(Boolean).join(' ')}". Use: all | ${serviceNames.join(' | ')} | console | replay-dead-letters <service> | keygen [--add <file>]`,
  );
}

main().then(
  ({ stop, shutdownTimeoutMs }) => {
    // On a signal, an uncaught error or a fatal failure: stop within SHUTDOWN_TIMEOUT (see platform/shutdown.ts) and
    // exit, 0 if everything finished in time, 1 otherwise (the reason is printed). A second signal exits at once.
    const closing = closeWithGrace(
      {
        delay: shutdownTimeoutMs + LAST_RESORT_MS,
        logger: { error: (error) => console.error(error instanceof Error ? error.message : error) },
        onSecondSignal: (signal) => console.error(`\n${signal} again: exiting now`),
        onTimeout: () => console.error(`streamshop did not stop within ${shutdownTimeoutMs / 1000} s (SHUTDOWN_TIMEOUT); exiting now`),
      },
      async ({ signal, err }) => {
        if (err) console.error('\nstreamshop stops after an unexpected error:', err);
        else if (signal) console.error(`\n${signal}: finishing in-flight work (at most ${shutdownTimeoutMs / 1000} s), then stopping (again to force)`);
        await stop().catch((error: Error) => {
          if (!fatal) throw error;
          console.error(error.message);
        });
        if (fatal) throw fatal;
      },
    );
    stopNow = closing.close;
    if (fatal) stopNow();
  },
  (error) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
