/** A setting is missing or wrong: the process stops with this message and no stack trace (exit code 2). */
export class ConfigError extends Error {}
