/**
 * Runs tasks one after another per key, and side by side across keys: the outbox relay publishes each aggregate's
 * events in commit order while aggregates go out together, and a consumer's transaction runs the handlers of one
 * key in order while other keys share its round trips.
 *
 * A key's tasks are chained promises: when one fails, the tasks queued behind it on that key do not run and fail
 * with its error, because running them would break the key's order. Once the key has nothing queued, it starts afresh.
 */
export function perKeyQueue() {
  /** Per key, the last task queued: the next one of the key starts when it has settled. */
  const tails = new Map<string, Promise<unknown>>();

  return {
    /** Queues `task` behind the key's previous one; rejects without running it when that one failed. */
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key);
      const mine = previous ? previous.then(task) : task();
      tails.set(key, mine);
      const forget = () => {
        if (tails.get(key) === mine) tails.delete(key);
      };
      mine.then(forget, forget);
      return mine;
    },
    /** Waits until nothing is queued or running. */
    async settled(): Promise<void> {
      while (tails.size > 0) await Promise.allSettled([...tails.values()]);
    },
  };
}
