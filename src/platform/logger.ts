import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** A secret that reaches a log call by mistake is written as [redacted], not in clear. */
const SECRETS = ['password', '*.password', 'accessToken', '*.accessToken', 'authorization', '*.authorization', '*.headers.authorization'];

export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = { level, name, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: SECRETS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
