import { hash, verify } from '@node-rs/argon2';

/**
 * Argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane): ~50 ms of one libuv thread, off the event loop.
 * The parameters travel in each hash (a PHC string), so raising them later keeps old hashes valid.
 */
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/**
 * Checks a password against a stored hash. Without one (no such user, or a user from before passwords), it checks
 * against a hash of a random password instead, so a wrong address costs as long as a wrong password.
 */
export function createPasswordChecker(): (password: string, stored: string | null | undefined) => Promise<boolean> {
  const decoy = hashPassword(crypto.randomUUID());
  return async (password, stored) => {
    const real = typeof stored === 'string' && stored.startsWith('$argon2');
    const matches = await verify(real ? stored : await decoy, password).catch(() => false);
    return real && matches;
  };
}
