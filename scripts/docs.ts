/**
 * Generates the machine-readable docs from the code, so they cannot drift from it:
 *   docs/openapi/<service>.json     OpenAPI 3.1, as each running service serves it
 *   docs/events/<type>.schema.json  JSON Schema 2020-12 of each event's data (src/contracts/events.ts)
 *   docs/events/envelope.schema.json  the CloudEvents envelope (src/platform/events.ts)
 *   docs/asyncapi.yaml              AsyncAPI 3.0: one channel per subject, who sends and who receives
 * With --render it also renders docs/diagrams/*.mmd to SVG (and the overview to PNG); that step needs
 * Chromium (scripts/puppeteer-config.json), the rest does not.
 *
 * Usage: node scripts/docs.ts [--render]
 * tests/docs/docs.test.ts regenerates into a temp folder and fails when the committed docs differ.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import YAML from 'yaml';
import * as contracts from '../src/contracts/events.ts';
import { EmbeddedConfig, loadConfig, type ServiceName, serviceNames } from '../src/platform/runtime/index.ts';
import { type EventDefinition, EventEnvelope } from '../src/platform/messaging/index.ts';
import { createLogger } from '../src/platform/observability/index.ts';
import { streamsOf } from '../src/platform/messaging/nats/index.ts';
import { services } from '../src/services/index.ts';
import { startEmbeddedSystem } from '../src/system.ts';

const natsStreams = () => streamsOf(Object.keys(services));

const root = fileURLToPath(new URL('../', import.meta.url));
export const docsDir = join(root, 'docs');
const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';
const schemaId = (name: string) => `urn:streamshop:events:${name}`;
export const eventSchemaFile = (type: string) => `${type}.schema.json`;
export const ENVELOPE_SCHEMA_FILE = 'envelope.schema.json';

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

// ---------------------------------------------------------------------------------------------
// OpenAPI: the documents the real apps serve, from the same schemas that validate their requests.

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

// ---------------------------------------------------------------------------------------------
// JSON Schemas of the event catalogue and of the envelope.

type Schema = Record<string, unknown>;

/** The TypeBox schemas are JSON Schema already; JSON round-trip drops TypeBox's non-enumerable markers. */
const plain = (schema: unknown): Schema => JSON.parse(JSON.stringify(schema)) as Schema;

function eventSchemas(): Record<string, Schema> {
  const schemas: Record<string, Schema> = {
    [ENVELOPE_SCHEMA_FILE]: {
      $schema: JSON_SCHEMA_DIALECT,
      $id: schemaId('envelope'),
      title: 'streamshop event envelope (CloudEvents 1.0)',
      ...plain(EventEnvelope),
    },
  };
  for (const event of contracts.eventCatalogue) {
    schemas[eventSchemaFile(event.type)] = {
      $schema: JSON_SCHEMA_DIALECT,
      $id: schemaId(event.type),
      title: `${event.type} data`,
      description: event.description,
      ...plain(event.data),
    };
  }
  for (const [file, schema] of Object.entries(schemas)) {
    const missing = fieldsWithoutDescription(schema);
    if (missing.length > 0 || typeof schema.description !== 'string') {
      throw new Error(`${file}: every field needs a description in its TypeBox schema; missing: ${missing.join(', ') || '(the schema itself)'}`);
    }
  }
  return schemas;
}

/** JSON pointers of the object properties, at any depth, that have no description. */
export function fieldsWithoutDescription(schema: unknown, path = ''): string[] {
  if (Array.isArray(schema)) return schema.flatMap((item, i) => fieldsWithoutDescription(item, `${path}/${i}`));
  if (typeof schema !== 'object' || schema === null) return [];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      for (const [field, fieldSchema] of Object.entries(value)) {
        if (typeof (fieldSchema as Schema).description !== 'string') missing.push(`${path}/properties/${field}`);
      }
    }
    missing.push(...fieldsWithoutDescription(value, `${path}/${key}`));
  }
  return missing;
}

// ---------------------------------------------------------------------------------------------
// Who publishes and who consumes what, read from the code.

interface EventRoute {
  event: EventDefinition;
  publishers: ServiceName[];
  subscribers: ServiceName[];
}

/**
 * Subscriptions are the services' handlers (what the consumers really subscribe to). Publications are
 * found in each service's source as `newEvent('<service>', <Definition>, ...)`: there is no runtime
 * registry of what a service may publish, and a scan of the one call every publication goes through
 * needs no list to keep in step. A call that names another service or an unknown definition fails.
 */
async function eventRoutes(): Promise<EventRoute[]> {
  const definitions = new Map<string, EventDefinition>();
  for (const [name, value] of Object.entries(contracts as Record<string, unknown>)) if (isDefinition(value)) definitions.set(name, value);
  const routes = new Map(contracts.eventCatalogue.map((event) => [event.type, { event, publishers: new Set<ServiceName>(), subscribers: new Set<ServiceName>() }]));
  const routeOf = (type: string, where: string) => {
    const route = routes.get(type);
    if (!route) throw new Error(`${where}: ${type} is not in the event catalogue (src/contracts/events.ts)`);
    return route;
  };

  for (const name of serviceNames) {
    for (const handler of services[name].handlers) routeOf(handler.event.type, `${name} handlers`).subscribers.add(name);
    const folder = join(root, 'src', 'services', name);
    for (const file of await sourceFiles(folder)) {
      const source = await readFile(file, 'utf8');
      for (const [, publisher, identifier] of source.matchAll(/newEvent\(\s*'([^']*)'\s*,\s*(\w+)/g)) {
        const where = relative(root, file);
        if (publisher !== name) throw new Error(`${where}: newEvent('${publisher}', ...) in the ${name} service`);
        const definition = definitions.get(identifier ?? '');
        if (!definition) throw new Error(`${where}: ${identifier} is not an event definition of src/contracts/events.ts`);
        routeOf(definition.type, where).publishers.add(name);
      }
    }
  }

  const result = [...routes.values()]
    .map((r) => ({ event: r.event, publishers: [...r.publishers].sort(), subscribers: [...r.subscribers].sort() }))
    .sort((a, b) => (a.event.type < b.event.type ? -1 : 1));
  for (const route of result) {
    if (route.publishers.length !== 1) throw new Error(`${route.event.type} must have exactly one publisher, found: ${route.publishers.join(', ') || 'none'}`);
    const [prefix] = route.event.type.split('.');
    if (prefix !== route.publishers[0]) throw new Error(`${route.event.type} is published by ${route.publishers[0]}, outside its stream ${prefix}.>`);
  }
  return result;
}

function isDefinition(value: unknown): value is EventDefinition {
  return typeof value === 'object' && value !== null && 'type' in value && 'data' in value && 'description' in value;
}

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

// ---------------------------------------------------------------------------------------------
// AsyncAPI 3.0: channels are NATS subjects (= event types); messages reference the JSON Schema files.

/** The JetStream stream that stores an event type, as the NATS bus declares it. */
function streamOf(type: string): { name: string; subjects: readonly string[] } {
  const stream = natsStreams().find((s) => s.subjects.some((subject) => subject === `${type.split('.')[0]}.>`));
  if (!stream) throw new Error(`no NATS stream (src/platform/nats-bus.ts) carries ${type}`);
  return stream;
}
const ref = ($ref: string) => ({ $ref });
const pointer = (...parts: string[]) => `#/${parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;

function asyncApiDocument(routes: EventRoute[]): Schema {
  const channels: Schema = {};
  const messages: Schema = {};
  const operations: Schema = {};
  for (const { event, publishers, subscribers } of routes) {
    const [publisher] = publishers as [ServiceName];
    const messageRef = pointer('channels', event.type, 'messages', event.type);
    messages[event.type] = {
      name: event.type,
      title: event.type,
      summary: event.description,
      contentType: 'application/cloudevents+json',
      correlationId: {
        description: 'Id of the HTTP request that started the flow; every event the flow causes carries it on',
        location: '$message.payload#/correlationid',
      },
      payload: {
        schemaFormat: 'application/schema+json;version=draft-07',
        schema: {
          description: `The CloudEvents envelope with type ${event.type}, source /streamshop/${publisher}, and this event's data`,
          allOf: [
            ref(`./events/${ENVELOPE_SCHEMA_FILE}`),
            {
              type: 'object',
              properties: {
                source: { const: `/streamshop/${publisher}`, description: 'The publishing service' },
                type: { const: event.type, description: 'The event type, also the NATS subject' },
                data: ref(`./events/${eventSchemaFile(event.type)}`),
              },
            },
          ],
        },
      },
    };
    const stream = streamOf(event.type);
    channels[event.type] = {
      address: event.type,
      title: event.type,
      description: `${event.description} Stored in the JetStream stream ${stream.name} (subjects ${stream.subjects.join(', ')}).`,
      messages: { [event.type]: ref(pointer('components', 'messages', event.type)) },
      'x-nats-stream': stream.name,
    };
    operations[`${publisher}.send.${event.type}`] = {
      action: 'send',
      channel: ref(pointer('channels', event.type)),
      summary: `${publisher} publishes ${event.type} through its outbox`,
      messages: [ref(messageRef)],
      tags: [{ name: publisher }],
    };
    for (const subscriber of subscribers) {
      operations[`${subscriber}.receive.${event.type}`] = {
        action: 'receive',
        channel: ref(pointer('channels', event.type)),
        summary: `${subscriber} handles ${event.type} (durable consumer ${subscriber}, at least once, de-duplicated by event id)`,
        messages: [ref(messageRef)],
        tags: [{ name: subscriber }],
        'x-nats-durable-consumer': subscriber,
      };
    }
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'streamshop events',
      version: '1.0.0',
      description: [
        'The events the streamshop services publish and consume (Event Collaboration through NATS JetStream).',
        '',
        'Every message is a CloudEvents 1.0 structured JSON envelope (events/envelope.schema.json) whose data has its own',
        'JSON Schema (events/<type>.schema.json); the schemas use only keywords that mean the same in draft-07, which',
        'AsyncAPI 3.0 names as their format. The NATS subject is the event type. Each publishing service has one stream',
        `(${natsStreams().map((s) => `${s.name}: ${s.subjects.join(', ')}`).join('; ')}), and each consuming service one`,
        'durable consumer named after itself, shared by its replicas.',
        '',
        'Events leave a service through its transactional outbox and are delivered at least once; consumers record the',
        'event id in their inbox in the same transaction as the effect, so a redelivery changes nothing.',
        'Generated by scripts/docs.ts from src/contracts/events.ts and the services\' handlers; do not edit by hand.',
      ].join('\n'),
    },
    defaultContentType: 'application/cloudevents+json',
    servers: {
      nats: {
        host: 'nats:4222',
        protocol: 'nats',
        description: 'NATS with JetStream (NATS_URL); the embedded default uses an in-process bus with the same guarantees instead',
      },
    },
    channels,
    operations,
    components: { messages },
  };
}

// ---------------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------------
// Diagrams: Mermaid sources to SVG (and the overview also to PNG), through mermaid-cli and Chromium.

const MAIN_DIAGRAM = 'overview';

async function renderDiagrams(diagramsDir: string): Promise<string[]> {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.resolve('@mermaid-js/mermaid-cli')));
  const puppeteerConfig = join(root, 'scripts', 'puppeteer-config.json');
  const sources = (await readdir(diagramsDir)).filter((f) => f.endsWith('.mmd')).sort();
  const written: string[] = [];
  for (const source of sources) {
    const name = basename(source, '.mmd');
    const outputs = [`${name}.svg`, ...(name === MAIN_DIAGRAM ? [`${name}.png`] : [])];
    for (const output of outputs) {
      const args = [cli, '-q', '-p', puppeteerConfig, '-b', 'white', '-i', join(diagramsDir, source), '-o', join(diagramsDir, output)];
      if (output.endsWith('.png')) args.push('-s', '2');
      // One Chromium at a time: the machines that run this are small.
      await promisify(execFile)(process.execPath, args).catch((error: { stderr?: string }) => {
        throw new Error(`mermaid-cli could not render docs/diagrams/${source}:\n${error.stderr?.split('\n').slice(0, 8).join('\n')}`);
      });
      written.push(output);
    }
  }
  return written;
}

if (import.meta.main) {
  const written = await generateDocs(docsDir);
  console.log(`docs: wrote ${written.length} files under docs/`);
  if (process.argv.includes('--render')) {
    const diagrams = await renderDiagrams(join(docsDir, 'diagrams'));
    console.log(`docs: rendered ${diagrams.join(', ')}`);
  }
}
