/**
 * Runs tasks one after another per key, and side by side across keys: the outbox relay publishes each aggregate's
 * events in commit order while aggregates go out concurrently. A task that fails breaks its key: the tasks queued
 * behind it are skipped (running them would break the key's order) until `reset()`.
 */
export function orderedPerKey() {
  /** Per key, the last task queued: the next one of the key starts when it has settled. */
  const tails = new Map<string, Promise<void>>();
  const broken = new Set<string>();

  return {
    /** Queues `task` behind the key's previous one; when the key is broken, `skipped` runs instead of it. */
    add(key: string, task: () => Promise<void>, skipped: () => void): void {
      const run = async () => {
        if (broken.has(key)) return skipped();
        await task().catch(() => void broken.add(key));
      };
      const previous = tails.get(key);
      const mine: Promise<void> = (previous ? previous.then(run) : run()).finally(() => {
        if (tails.get(key) === mine) tails.delete(key);
      });
      tails.set(key, mine);
    },
    /** True when a task failed since the last reset. */
    isBroken: () => broken.size > 0,
    /** Waits until nothing is queued or running. */
    async settle(): Promise<void> {
      while (tails.size > 0) await Promise.allSettled([...tails.values()]);
    },
    /** Forgets the broken keys: their tasks may be queued again. */
    reset(): void {
      broken.clear();
    },
  };
}
