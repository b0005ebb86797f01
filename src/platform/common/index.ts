/**
 * Small pieces every part of the platform uses, with no dependency of their own: new ids, the one backoff rule of
 * every retry, the per-key task queue, free ports and why one cannot be bound, and the two error types (a client's problem, a wrong setting).
 */
export { type Problem, AppError } from './app-error.ts';
export { type Backoff, backoffDelay } from './backoff.ts';
export { ConfigError } from './config-error.ts';
export { newId } from './ids.ts';
export { perKeyQueue } from './per-key.ts';
export { createGate, type Gate } from './gate.ts';
export { assertPortFree, type Binding, bindingProblem, freePort, freePorts, urlOf } from './ports.ts';
