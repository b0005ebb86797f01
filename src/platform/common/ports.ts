import { type AddressInfo, createServer, type Server } from 'node:net';
import { ConfigError } from './config-error.ts';

/** A port nobody listens on right now (a test, a stack, PORT=0): the system picks it, then binds it. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/**
 * `count` different ports nobody listens on right now. All are held until every one is drawn: a port drawn and let
 * go at once may be drawn again by the next call, and two processes given the same port, one of them fails to start.
 */
export async function freePorts(count: number): Promise<number[]> {
  const probes = await Promise.all(Array.from({ length: count }, () => listening()));
  const ports = probes.map((probe) => (probe.address() as AddressInfo).port);
  await Promise.all(probes.map((probe) => new Promise((closed) => probe.close(closed))));
  return ports;
}

function listening(): Promise<Server> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => done(probe));
  });
}

/** The http:// URL of what a listener actually bound (an IPv6 address in brackets), for a banner to print. */
export function urlOf(address: AddressInfo | string | null): string {
  if (typeof address !== 'object' || address === null) throw new Error(`not a TCP listener: ${address}`);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** A listener's address, and the setting its port comes from (PORT, PG_PORT, NATS_PORT), to name when it cannot be bound. */
export interface Binding {
  setting: string;
  port: number;
  host: string;
}

/**
 * A bind that failed, said as one line that names the setting at fault and what to do; undefined for any other
 * failure. Node's own error names a syscall and comes with a stack trace, neither of which tells an operator what to change.
 */
export function bindingProblem(error: unknown, { setting, port, host }: Binding): ConfigError | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const another = port === 65535 ? port - 1 : port + 1;
  if (code === 'EADDRINUSE') {
    return new ConfigError(`${setting} ${port} is in use by another program: stop it, or start with ${setting}=${another} (0 picks a free port)`);
  }
  if (code === 'EACCES') {
    return new ConfigError(`${setting} ${port} needs privileges this user lacks (ports below 1024 do): start with ${setting}=8080, say (0 picks a free port)`);
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ConfigError(`HOST ${host} is not an address of this machine: start with HOST=127.0.0.1 (this machine only) or HOST=0.0.0.0 (every interface)`);
  }
  return undefined;
}

/**
 * Fails with that one line if the port cannot be bound now. For the port of a child process (PostgreSQL, NATS),
 * which would say why only in its own log, after it exited; port 0 is always free.
 */
export async function assertPortFree(binding: Binding): Promise<void> {
  if (binding.port === 0) return;
  await new Promise<void>((free, fail) => {
    const probe = createServer().once('error', (error) => fail(bindingProblem(error, binding) ?? error));
    probe.listen(binding.port, binding.host, () => probe.close(() => free()));
  });
}
