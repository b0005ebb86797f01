#!/usr/bin/env node
/**
 * streamshop [all]            the embedded default: everything in one process (npm start)
 * streamshop <service>        one service alone: users | billing | orders | notifications
 */
import { ConfigError, EmbeddedConfig, loadConfig, type ServiceName, serviceNames } from './platform/config.ts';
import { createLogger } from './platform/logger.ts';
import { startEmbeddedSystem } from './system.ts';

const [command = 'all'] = process.argv.slice(2);

async function main(): Promise<() => Promise<void>> {
  if (command === 'all') {
    const config = loadConfig(EmbeddedConfig);
    const log = createLogger(config.LOG_LEVEL, 'streamshop');
    const system = await startEmbeddedSystem(config, log);
    console.log(`\nstreamshop is running (embedded: PostgreSQL from npm, in-process bus, data in ${config.DATA_DIR}/)`);
    console.log(`  API      ${system.url}/users  /billing  /orders  /notifications`);
    console.log(`  API docs ${system.url}/docs`);
    console.log('  Ctrl-C to stop\n');
    return system.stop;
  }
  if ((serviceNames as readonly string[]).includes(command)) {
    const { startServiceProcess } = await import('./service-process.ts');
    return startServiceProcess(command as ServiceName);
  }
  throw new ConfigError(`Unknown command "${command}". Use: all | ${serviceNames.join(' | ')}`);
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
