import type { Logger } from 'pino';

/**
 * How every topology stops (SHUTDOWN_TIMEOUT, 10 s by default): it stops taking requests and events, gives the work
 * in flight until the deadline (less a short time kept for closing), then closes its connections (and the embedded
 * PostgreSQL) and exits, even if the database or the broker is gone.
 *
 * Cutting work short at the deadline loses nothing, because nothing acknowledged lives only in memory:
 * - an event is acknowledged only after the transaction that handled it committed. Cut before that, the broker
 *   delivers it again (NATS), or its row stays unpublished in the sender's outbox and goes out at the next start
 *   (in-process bus); if it did commit, the consumer's inbox drops the repeat;
 * - an outbox row is marked published only after the bus accepted it: cut in between, it is published again;
 * - a request cut short got no answer. Whatever it committed was committed with its events; its client retries it
 *   (with the same Idempotency-Key when it moves money, so it is not done twice).
 */

/** Named pieces of a stop, started together: the name says what did not finish when the deadline comes. */
export type StopTasks = Record<string, () => Promise<unknown>>;

export class ShutdownIncomplete extends Error {}

/** Of the whole deadline, the time kept for closing connections (and stopping the embedded PostgreSQL) after the cut. */
export function closingReserveMs(timeoutMs: number): number {
  return Math.min(2_000, timeoutMs / 4);
}

/**
 * Stops within `timeoutMs`: the `drain` tasks (stop taking work, finish what is in flight) until the deadline less
 * the closing reserve, then the `close` tasks until the deadline (`until`; `cut` says whether draining was cut short).
 * Rejects with a ShutdownIncomplete naming what did not finish in time, after everything was closed anyway.
 */
export async function stopWithin(
  timeoutMs: number,
  log: Logger,
  phases: { drain: StopTasks; close: (ending: { cut: boolean; until: number }) => StopTasks },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const notDrained = await settleBy(deadline - closingReserveMs(timeoutMs), phases.drain, log);
  const notClosed = await settleBy(deadline, phases.close({ cut: notDrained.length > 0, until: deadline }), log);
  const unfinished = [...notDrained, ...notClosed];
  if (unfinished.length === 0) return;
  const message =
    `stopped at the ${timeoutMs / 1000} s shutdown deadline (SHUTDOWN_TIMEOUT) without waiting any longer for: ${unfinished.join(', ')}. ` +
    'Nothing is lost: events not handled are delivered again at the next start, requests cut short can be retried.';
  log.warn({ unfinished, timeoutMs }, message);
  throw new ShutdownIncomplete(message);
}

/** Runs the tasks together until `until` (a Date.now() time); returns the names of those still running then. */
async function settleBy(until: number, tasks: StopTasks, log: Logger): Promise<string[]> {
  const running = new Set(Object.keys(tasks));
  const all = Promise.all(
    Object.entries(tasks).map(async ([name, task]) => {
      try {
        await task();
      } catch (error) {
        log.warn({ err: error, task: name }, 'a step of the stop failed');
      } finally {
        running.delete(name);
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise((done) => (timer = setTimeout(done, Math.max(0, until - Date.now()))));
  await Promise.race([all, deadline]);
  clearTimeout(timer);
  return [...running];
}
