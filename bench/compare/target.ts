/**
 * One system under comparison, as a child process of npm run compare: the embedded default or the stack, in the
 * style of INTERACTION_STYLE, and a loopback control listener through which the comparison freezes, thaws, kills
 * and restarts a service. A child of its own so that its CPU is measured apart from the load and the comparison,
 * and so that the embedded default's pause (an in-process gate) can be driven from outside.
 *
 *   node bench/compare/target.ts embedded|stack      (settings from the environment, as streamshop takes them)
 *
 * It prints `compare target API <url> control <url>` once ready, and stops on SIGTERM.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import closeWithGrace from 'close-with-grace';
import { startStack } from '../../scripts/stack.ts';
import { createLogger } from '../../src/platform/observability/index.ts';
import { EmbeddedConfig, type InteractionStyle, loadConfig, type ServiceName, serviceNames } from '../../src/platform/runtime/index.ts';
import { startEmbeddedSystem } from '../../src/system.ts';

/** What the comparison may do to a service: freeze it (SIGSTOP), thaw it, kill -9 it, start it again. */
export const controls = ['pause', 'resume', 'kill', 'restart'] as const;
export type Control = (typeof controls)[number];

interface Target {
  url: string;
  control(action: Control, service: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

async function startEmbedded(): Promise<Target> {
  const config = loadConfig(EmbeddedConfig);
  const system = await startEmbeddedSystem(config, createLogger(config.LOG_LEVEL, 'compare'));
  return {
    url: system.url,
    async control(action, service) {
      if (action === 'pause') system.pause(service);
      else if (action === 'resume') system.resume(service);
      // One process holds every service: a kill -9 of one of them has no equivalent here.
      else throw new Error(`the embedded default cannot ${action} ${service} alone`);
    },
    stop: system.stop,
  };
}

/** The stack as the bench runs it: the build in the service processes, one replica of each service on one machine. */
async function startStackTarget(): Promise<Target> {
  const env = process.env;
  const stack = await startStack({
    dataDir: env.DATA_DIR ?? '.data/compare',
    log: createLogger('warn', 'compare'),
    logLevel: 'warn',
    servicesFrom: 'dist',
    replicas: { billing: 1, orders: 1 },
    style: (env.INTERACTION_STYLE ?? 'events') as InteractionStyle,
    env: { PAYMENT_DEADLINE: env.PAYMENT_DEADLINE ?? '30s' },
    ...(env.ADMIN_EMAIL && env.ADMIN_PASSWORD ? { admin: { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD } } : {}),
  });
  const signal = (service: ServiceName, name: NodeJS.Signals) => {
    for (let index = 0; index < stack.replicas[service]; index++) {
      const pid = stack.pid(service, index);
      if (pid) process.kill(pid, name);
    }
  };
  return {
    url: stack.url,
    async control(action, service) {
      if (action === 'pause') signal(service, 'SIGSTOP');
      else if (action === 'resume') signal(service, 'SIGCONT');
      else if (action === 'kill') await stack.kill(service, 0, 'SIGKILL');
      else await stack.restart(service, 0);
    },
    stop: stack.stop,
  };
}

/** POST /<control>/<service>: 204 once done (a restart: once the replica is ready again). */
function controlListener(target: Target) {
  return async (request: IncomingMessage, response: ServerResponse) => {
    const [, action, service] = (request.url ?? '').split('/');
    if (request.method !== 'POST' || !controls.includes(action as Control) || !serviceNames.includes(service as ServiceName)) {
      response.writeHead(404).end();
      return;
    }
    try {
      await target.control(action as Control, service as ServiceName);
      response.writeHead(204).end();
    } catch (error) {
      response.writeHead(409, { 'content-type': 'text/plain' }).end((error as Error).message);
    }
  };
}

async function main(topology: string): Promise<void> {
  if (topology !== 'embedded' && topology !== 'stack') throw new Error(`topology is embedded or stack, not ${topology}`);
  const target = topology === 'stack' ? await startStackTarget() : await startEmbedded();
  const server = createServer((request, response) => void controlListener(target)(request, response));
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  console.log(`compare target API ${target.url} control http://127.0.0.1:${port}`);
  closeWithGrace({ delay: 60_000 }, async () => {
    server.close();
    await target.stop();
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv[2] ?? 'embedded').catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
