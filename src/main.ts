#!/usr/bin/env node
/**
 * streamshop [all]            the embedded default: everything in one process (npm start)
 * streamshop <service>        one service alone: users | billing | orders | notifications
 * streamshop console          the operators' console alone (the stack and Kubernetes run it so)
 * streamshop replay-dead-letters <service>   hands a service's dead letters to its handlers again
 * streamshop keygen [--add <file>]            prints a JWK Set with a new signing key (in front of the file's keys)
 */
import { ConfigError, EmbeddedConfig, loadConfig, type ServiceName, serviceNames } from './platform/config.ts';
import { createLogger } from './platform/logger.ts';
import { startEmbeddedSystem } from './system.ts';

const [command = 'all', argument] = process.argv.slice(2);

async function main(): Promise<() => Promise<void>> {
  if (command === 'all') {
    const config = loadConfig(EmbeddedConfig);
    const log = createLogger(config.LOG_LEVEL, 'streamshop');
    const system = await startEmbeddedSystem(config, log);
    console.log(`\nstreamshop is running (embedded: PostgreSQL from npm, in-process bus, data in ${config.DATA_DIR}/)`);
    console.log(`  API      ${system.url}/users  /billing  /orders  /notifications`);
    console.log(`  API docs ${system.url}/docs`);
    console.log(`  Console  ${system.url}/console${config.ADMIN_EMAIL ? ` (log in as ${config.ADMIN_EMAIL})` : ' (set ADMIN_EMAIL and ADMIN_PASSWORD to log in)'}`);
    console.log('  Ctrl-C to stop\n');
    return system.stop;
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
  (stop) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) {
        console.error(`\n${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      console.error(`\n${signal}: finishing in-flight work, then stopping (again to force)`);
      stop().then(
        () => process.exit(0),
        (error) => {
          console.error('error while stopping:', error);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  },
  (error) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
