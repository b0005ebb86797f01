/**
 * Acceptance tests: runs the Postman collection with newman (npm run test:newman).
 *
 *   node scripts/newman.ts                      starts the embedded system on free ports, runs, stops it
 *   node scripts/newman.ts --topology stack     the same against the NATS stack (separate processes, replicas)
 *   node scripts/newman.ts --style saga         in another interaction style (events, http, hybrid, saga)
 *   MESSAGE_BATCHING=off node scripts/newman.ts the embedded system takes its other settings from the environment
 *   node scripts/newman.ts --base-url URL       runs against a system that is already up (or BASE_URL=URL)
 *   --verbose                                   also print request and response bodies
 *
 * Reports: reports/newman/streamshop-<topology>[-<style>].html (htmlextra, self-contained) and junit-<topology>[-<style>].xml.
 * Exits non-zero if any request or assertion failed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// @ts-expect-error -- newman ships no type declarations; the little used here is typed below.
import newmanUntyped from 'newman';
import { EmbeddedConfig, type InteractionStyle, interactionStyles, loadConfig } from '../src/platform/runtime/index.ts';
import { startStack } from './stack.ts';
import { createLogger } from '../src/platform/observability/index.ts';
import { type EmbeddedSystem, startEmbeddedSystem } from '../src/system.ts';
import { htmlReport } from '../tests/support/newman-report.ts';

interface Summary {
  run: { error?: Error; failures: unknown[] };
}
const newman = newmanUntyped as { run(options: object, done: (error: Error | null, summary: Summary) => void): unknown };

const root = join(import.meta.dirname, '..');
const COLLECTION = join(root, 'tests/postman/streamshop.postman_collection.json');
const REPORTS = join(root, 'reports/newman');

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string' },
    topology: { type: 'string', default: 'embedded' },
    style: { type: 'string', default: 'events' },
    verbose: { type: 'boolean', default: false },
  },
});
if (!['embedded', 'stack'].includes(values.topology)) throw new Error(`--topology is embedded or stack, not ${values.topology}`);
if (!(interactionStyles as readonly string[]).includes(values.style)) throw new Error(`--style is one of ${interactionStyles.join(', ')}, not ${values.style}`);
const style = values.style as InteractionStyle;
const external = values['base-url'] ?? process.env.BASE_URL;
const reportName = `${values.topology}${style === 'events' ? '' : `-${style}`}`;

let dataDir: string | undefined;
let system: Pick<EmbeddedSystem, 'url' | 'stop'> | undefined;
async function cleanUp(): Promise<void> {
  await system?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
process.once('SIGINT', () => cleanUp().finally(() => process.exit(130)));

let exitCode = 1;
try {
  if (!external) {
    dataDir = await mkdtemp(join(tmpdir(), 'streamshop-newman-'));
    const log = createLogger('warn', 'streamshop');
    system =
      values.topology === 'stack'
        ? await startStack({ dataDir, port: 0, natsPort: 0, pgPort: 0, logLevel: 'warn', log, style })
        : await startEmbeddedSystem(loadConfig(EmbeddedConfig, { ...process.env, PORT: '0', PG_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', INTERACTION_STYLE: style }), log);
  }
  const baseUrl = external ?? system!.url;
  console.log(`newman: ${COLLECTION} against ${baseUrl}${system ? ` (${values.topology} system in the ${style} style, data in ${dataDir})` : ''}`);
  const summary = await new Promise<Summary>((done, fail) =>
    newman.run(
      {
        collection: COLLECTION,
        envVar: [{ key: 'baseUrl', value: baseUrl }],
        reporters: ['cli', 'htmlextra', 'junit'],
        reporter: {
          htmlextra: htmlReport(`${REPORTS}/streamshop-${reportName}.html`, `streamshop acceptance tests (${values.topology}, ${style})`),
          junit: { export: `${REPORTS}/junit-${reportName}.xml` },
        },
        verbose: values.verbose,
        timeoutRequest: 30_000,
      },
      (error, result) => (error ? fail(error) : done(result)),
    ),
  );
  const { error, failures } = summary.run; // the same rule as the newman CLI's exit code
  exitCode = error || failures.length > 0 ? 1 : 0;
  if (error) console.error(`newman: the run stopped: ${error.message}`);
  console.log(`newman: ${exitCode === 0 ? 'all green' : `${failures.length} failure(s)`}; reports in ${REPORTS}/`);
} catch (error) {
  console.error('newman: could not run:', error);
} finally {
  await cleanUp();
}
process.exit(exitCode);
