import { ServiceProcessConfig, loadConfig, type ServiceName } from './platform/config.ts';
import { createLogger } from './platform/logger.ts';

/** One service alone, configured by environment variables: what the container image runs. */
export async function startServiceProcess(name: ServiceName): Promise<() => Promise<void>> {
  const config = loadConfig(ServiceProcessConfig);
  const log = createLogger(config.LOG_LEVEL, name);
  log.error('separate service processes need the NATS bus, which is not built yet');
  throw new Error('not implemented yet');
}
