import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

/** A secret that reaches a log call by mistake is written as [redacted], not in clear. */
const SECRETS = ['password', '*.password', 'accessToken', '*.accessToken', 'authorization', '*.authorization', '*.headers.authorization'];

/** Where log lines go; a terminal (isTTY) gets them as readable lines. */
type LogDestination = DestinationStream & { isTTY?: boolean };

/**
 * JSON lines, one per event, unless the destination (stdout by default) is a terminal: a person reads those, so
 * they get readable lines instead. Containers, log files, pipes and tests keep JSON, what their collectors parse.
 */
export function createLogger(level: string, name: string, destination?: LogDestination): Logger {
  // `service` is bound by each service's child logger (service.ts); binding it here too wrote the key twice on a line.
  const options = { level, name, base: {}, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: SECRETS, censor: '[redacted]' } };
  const terminal = (destination ?? process.stdout) as LogDestination;
  if (terminal.isTTY) return pino(options, readableLines(terminal));
  return destination ? pino(options, destination) : pino(options);
}

/**
 * pino-pretty as a stream in this thread, not as a transport (a worker thread): written synchronously, so lines keep
 * their order with what the process prints itself (its banner), and none is lost at exit. Loaded only for a
 * terminal: a service in a container never pays for it.
 */
function readableLines(destination: LogDestination): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty({ destination, sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
}
