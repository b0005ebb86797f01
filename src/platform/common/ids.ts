import { randomFillSync } from 'node:crypto';
import { V7Generator } from 'uuidv7';

const POOL_WORDS = 256;

/**
 * The random bits of new ids, drawn from the system's generator a kilobyte at a time. uuidv7's default source
 * buffers 8 words, so a busy process refilled it every few ids, each refill a call into OpenSSL and a getpid() of
 * its fork check: 3 % of the embedded default's busy time under load. (Node.js never forks a running process, so
 * a pool cannot be shared with a child.)
 */
function pooledRandom() {
  const pool = new Uint32Array(POOL_WORDS);
  let next = POOL_WORDS;
  return {
    nextUint32(): number {
      if (next === POOL_WORDS) {
        randomFillSync(pool);
        next = 0;
      }
      return pool[next++] as number;
    },
  };
}

const generator = new V7Generator(pooledRandom());

/** A new UUIDv7: time-ordered, so rows keyed by it are appended in order to their indexes. */
export function newId(): string {
  return generator.generate().toString();
}
