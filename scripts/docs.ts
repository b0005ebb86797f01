/**
 * Generates the machine-readable docs from the code, so they cannot drift from it:
 *   docs/openapi/<service>.json     OpenAPI 3.1, as each running service serves it
 *   docs/events/<type>.schema.json  JSON Schema 2020-12 of each event's data (src/contracts/events.ts)
 *   docs/events/envelope.schema.json  the CloudEvents envelope (src/platform/events.ts)
 *   docs/asyncapi.yaml              AsyncAPI 3.0: one channel per subject, who sends and who receives
 * With --render it also renders docs/diagrams/*.mmd to SVG (and the overview to PNG) and records their hashes in
 * docs/diagrams/renderings.sha256; that step needs Chromium (scripts/puppeteer-config.json) and installs mermaid-cli
 * into tools/diagrams/ on first use, the rest needs neither.
 *
 * Usage: node scripts/docs.ts [--render]
 * tests/docs/docs.test.ts regenerates into a temp folder and fails when the committed docs differ.
 * The parts are in scripts/docs/: schemas.ts, routes.ts (who publishes and consumes what), asyncapi.ts, diagrams.ts.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { EmbeddedConfig, loadConfig, type ServiceName, serviceNames } from '../src/platform/runtime/index.ts';
import { createLogger } from '../src/platform/observability/index.ts';
import { startEmbeddedSystem } from '../src/system.ts';
import { asyncApiDocument } from './docs/asyncapi.ts';
import { renderDiagrams } from './docs/diagrams.ts';
import { docsDir } from './docs/paths.ts';
import { eventRoutes } from './docs/routes.ts';
import { eventSchemas, type Schema } from './docs/schemas.ts';

/** Writes openapi/, events/ and asyncapi.yaml under outDir (both folders are replaced); returns the files written. */
export async function generateDocs(outDir: string): Promise<string[]> {
  const files = new Map<string, unknown>();
  for (const [name, document] of Object.entries(await fetchOpenApiDocuments())) files.set(`openapi/${name}.json`, document);
  for (const [file, schema] of Object.entries(eventSchemas())) files.set(`events/${file}`, schema);

  await rm(join(outDir, 'openapi'), { recursive: true, force: true });
  await rm(join(outDir, 'events'), { recursive: true, force: true });
  await mkdir(join(outDir, 'openapi'), { recursive: true });
  await mkdir(join(outDir, 'events'), { recursive: true });
  for (const [file, content] of files) await writeFile(join(outDir, file), `${JSON.stringify(canonical(content), null, 2)}\n`);
  await writeFile(join(outDir, 'asyncapi.yaml'), YAML.stringify(canonical(asyncApiDocument(await eventRoutes())), { lineWidth: 0 }));
  return [...files.keys(), 'asyncapi.yaml'].sort();
}

/** OpenAPI: the documents the real apps serve, from the same schemas that validate their requests. */
async function fetchOpenApiDocuments(): Promise<Record<ServiceName, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'streamshop-docs-'));
  // Readable by the unprivileged user embedded PostgreSQL runs as when we are root.
  await chmod(dataDir, 0o755);
  const log = createLogger('warn', 'docs');
  try {
    const config = loadConfig(EmbeddedConfig, { PORT: '0', PG_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    const system = await startEmbeddedSystem(config, log);
    try {
      const documents: Partial<Record<ServiceName, unknown>> = {};
      for (const name of serviceNames) {
        const response = await fetch(`${system.url}/${name}/openapi.json`);
        if (!response.ok) throw new Error(`GET /${name}/openapi.json answered ${response.status}`);
        documents[name] = await response.json();
      }
      return documents as Record<ServiceName, unknown>;
    } finally {
      await system.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

// Deterministic output.

/** These keys come first, in this order; the rest follow alphabetically. Arrays keep their order. */
const LEADING_KEYS = ['$schema', '$id', 'openapi', 'asyncapi', 'info', 'title', 'summary', 'description'];

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const rank = (key: string) => {
    const i = LEADING_KEYS.indexOf(key);
    return i === -1 ? LEADING_KEYS.length : i;
  };
  const keys = Object.keys(value)
    .filter((key) => (value as Schema)[key] !== undefined)
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((key) => [key, canonical((value as Schema)[key])]));
}

if (import.meta.main) {
  const written = await generateDocs(docsDir);
  console.log(`docs: wrote ${written.length} files under docs/`);
  if (process.argv.includes('--render')) {
    const diagrams = await renderDiagrams(join(docsDir, 'diagrams'));
    console.log(`docs: rendered ${diagrams.join(', ')}`);
  }
}
