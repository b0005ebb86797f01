/** Who publishes and who consumes each event, read from the code. */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import * as contracts from '../../src/contracts/events.ts';
import { interactionStyles, type ServiceName, serviceNames } from '../../src/platform/runtime/index.ts';
import type { EventDefinition } from '../../src/platform/messaging/index.ts';
import { services } from '../../src/services/index.ts';
import { root } from './paths.ts';

export interface EventRoute {
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
export async function eventRoutes(): Promise<EventRoute[]> {
  const definitions = new Map<string, EventDefinition>();
  for (const [name, value] of Object.entries(contracts as Record<string, unknown>)) if (isDefinition(value)) definitions.set(name, value);
  const routes = new Map(contracts.eventCatalogue.map((event) => [event.type, { event, publishers: new Set<ServiceName>(), subscribers: new Set<ServiceName>() }]));
  const routeOf = (type: string, where: string) => {
    const route = routes.get(type);
    if (!route) throw new Error(`${where}: ${type} is not in the event catalogue (src/contracts/events.ts)`);
    return route;
  };

  for (const name of serviceNames) {
    // Who consumes what in any style: the events style's reactions and the saga's commands and replies.
    for (const style of interactionStyles) {
      for (const handler of services[name].handlers(style)) routeOf(handler.event.type, `${name} handlers`).subscribers.add(name);
    }
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
    // A fact goes into its publisher's stream; a command into the stream of the service that carries it out.
    const [prefix, kind] = route.event.type.split('.');
    if (kind !== 'commands' && prefix !== route.publishers[0]) throw new Error(`${route.event.type} is published by ${route.publishers[0]}, outside its stream ${prefix}.>`);
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

