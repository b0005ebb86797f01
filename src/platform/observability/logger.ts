import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** A secret that reaches a log call by mistake is written as [redacted], not in clear. */
const SECRETS = ['password', '*.password', 'accessToken', '*.accessToken', 'authorization', '*.authorization', '*.headers.authorization'];

export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  // `service` is bound by each service's child logger (service.ts); binding it here too wrote the key twice on a line.
  const options = { level, name, base: {}, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: SECRETS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
