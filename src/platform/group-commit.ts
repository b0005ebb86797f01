import { isDatabaseUnavailable, type Sql, type Tx } from './db.ts';
import type { ServiceMetrics } from './metrics.ts';

/** Requests that arrive while a group commits wait for the next one; a group has at most this many. */
const MAX_GROUP = 64;

interface Waiting<I, O> {
  item: I;
  resolve(result: O): void;
  reject(error: unknown): void;
}

/**
 * Group commit for a write that many requests make at once: the items that arrive while one transaction runs
 * are written together in the next one, by `write`, which returns one result per item, in order. Idle, an item
 * goes alone at once; busy, a hundred requests cost a few transactions instead of a hundred.
 * If a group's transaction fails, each of its items is written again alone, so one bad item fails only itself.
 */
export function groupCommit<I, O>(
  name: string,
  sql: Sql,
  metrics: ServiceMetrics,
  write: (tx: Tx, items: I[]) => Promise<O[]>,
): (item: I) => Promise<O> {
  const queue: Waiting<I, O>[] = [];
  let running = false;

  async function writeAlone(waiting: Waiting<I, O>): Promise<void> {
    try {
      const [result] = await sql.begin((tx) => write(tx, [waiting.item]));
      waiting.resolve(result as O);
    } catch (error) {
      waiting.reject(error);
    }
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const group = queue.splice(0, MAX_GROUP);
      metrics.writeGroupSize.observe({ write: name }, group.length);
      if (group.length === 1) {
        await writeAlone(group[0] as Waiting<I, O>);
        continue;
      }
      try {
        const results = await sql.begin((tx) => write(tx, group.map((waiting) => waiting.item)));
        for (const [i, waiting] of group.entries()) waiting.resolve(results[i] as O);
      } catch (error) {
        if (isDatabaseUnavailable(error)) for (const waiting of group) waiting.reject(error);
        else await Promise.all(group.map(writeAlone));
      }
    }
    running = false;
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (running) return;
      running = true;
      void drain();
    });
}
