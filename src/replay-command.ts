import { DatabaseOnlyConfig, loadConfig, type ServiceName } from './platform/runtime/index.ts';
import { connectDatabase } from './platform/database/index.ts';
import { replayDeadLetters } from './platform/messaging/index.ts';
import { createLogger } from './platform/observability/index.ts';
import { services } from './services/index.ts';

/** streamshop replay-dead-letters <service>, with DATABASE_URL of that service. */
export async function replayDeadLettersCommand(name: ServiceName): Promise<void> {
  const config = loadConfig(DatabaseOnlyConfig);
  const service = services[name];
  const sql = connectDatabase(config.DATABASE_URL, `streamshop-${name}-replay`, 1);
  try {
    const result = await replayDeadLetters({ name, handlers: service.handlers(config.INTERACTION_STYLE) }, sql, createLogger(config.LOG_LEVEL, name));
    console.log(`${name}: ${result.replayed} dead letters replayed, ${result.failedAgain} failed again (still in dead_letters)`);
  } finally {
    await sql.end();
  }
}
