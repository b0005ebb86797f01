/** An item waiting for its batch, and how to answer whoever gave it. */
export interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

/**
 * One batch at a time: items that arrive while a batch is handled wait, and go together in the next one (at most
 * `max`). Idle, a batch starts right after the current tick, so items given in the same tick share it; busy, a
 * hundred items cost a few batches instead of a hundred. `handle` answers every item of its batch; if it throws,
 * the items it has not answered get its error.
 */
export function batched<I, O>(max: number, handle: (batch: Waiting<I, O>[]) => Promise<void>): (item: I) => Promise<O> {
  const queue: Waiting<I, O>[] = [];
  let running = false;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, max);
      await handle(batch).catch((error: unknown) => {
        for (const waiting of batch) waiting.reject(error); // no effect on those already answered
      });
    }
    running = false;
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (running) return;
      running = true;
      queueMicrotask(() => void drain());
    });
}
