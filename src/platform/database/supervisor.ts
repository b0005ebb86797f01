import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { type Backoff, backoffDelay } from '../common/index.ts';

/** A server process once launched: it becomes ready, or exits first (then `ready` rejects). */
export interface Launched {
  ready: Promise<void>;
  /** Resolves when it exits, with how: "killed by SIGKILL", "exit code 1: <its last FATAL line>". */
  exited: Promise<string>;
  /** Stops it within `timeoutMs`, by force if it must; resolves once it is gone. */
  stop(timeoutMs: number): Promise<void>;
}

export interface Supervised {
  /** False from the moment the process exits unexpectedly until a restarted one is ready. */
  isUp(): boolean;
  stop(timeoutMs: number): Promise<void>;
}

/** More unexpected exits than this within the window, and the supervisor gives up. */
const MAX_RESTARTS = 5;
const WINDOW_MS = 10 * 60_000;
/**
 * The wait before the nth restart within the window: 0.5 s, 1 s, 2 s, 4 s, 8 s. Capped at the fifth wait, as there
 * is no sixth (MAX_RESTARTS).
 */
const RESTART_BACKOFF: Backoff = { firstMs: 500, factor: 2, maxMs: 8_000 };

/**
 * Keeps a server process running, the way a process supervisor would: when it exits unexpectedly, it is down at
 * once (isUp), restarted after a growing pause, and up again when the new one is ready. A start that fails counts as
 * an exit too. Past MAX_RESTARTS within WINDOW_MS it gives up and calls `onGiveUp`, whose caller should exit: a
 * process whose server cannot come back is better dead (its own supervisor or its user sees it) than half alive.
 */
export async function supervise(options: {
  name: string;
  launch: () => Launched;
  log: Logger;
  onGiveUp: (error: Error) => void;
}): Promise<Supervised> {
  const { name, launch, log } = options;
  let current = launch();
  await current.ready; // the first start fails the caller, not the supervisor
  let up = true;
  const stopping = new AbortController();
  const exits: number[] = [];

  async function recover(firstExit: string): Promise<void> {
    const downSince = Date.now();
    let exit = firstExit;
    for (;;) {
      exits.push(Date.now());
      while ((exits[0] ?? Infinity) < Date.now() - WINDOW_MS) exits.shift();
      if (exits.length > MAX_RESTARTS) {
        const message = `${name} exited ${exits.length} times within ${WINDOW_MS / 60_000} minutes and was not restarted again; the last time: ${exit}`;
        log.fatal({ exits: exits.length }, message);
        options.onGiveUp(new Error(message));
        return;
      }
      const wait = backoffDelay(RESTART_BACKOFF, exits.length);
      log.error({ exit, restart: exits.length, maxRestarts: MAX_RESTARTS, waitMs: wait }, `${name} exited unexpectedly (${exit}); restarting it in ${wait} ms`);
      await sleep(wait, undefined, { signal: stopping.signal }).catch(() => {});
      if (stopping.signal.aborted) return;
      current = launch();
      try {
        await current.ready;
      } catch (error) {
        if (stopping.signal.aborted) return;
        exit = (error as Error).message;
        continue;
      }
      up = true;
      log.info({ downMs: Date.now() - downSince }, `${name} is back after ${Date.now() - downSince} ms`);
      watch(current);
      return;
    }
  }

  function watch(launched: Launched): void {
    launched.exited
      .then((exit) => {
        if (stopping.signal.aborted || launched !== current) return;
        up = false;
        return recover(exit);
      })
      .catch((error: unknown) => options.onGiveUp(error as Error));
  }
  watch(current);

  return {
    isUp: () => up && !stopping.signal.aborted,
    async stop(timeoutMs) {
      stopping.abort();
      up = false;
      await current.stop(timeoutMs);
    },
  };
}
