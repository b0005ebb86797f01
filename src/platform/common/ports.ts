import { createServer } from 'node:net';

/** A port nobody listens on right now (a test, a stack, PORT=0): the system picks it, then binds it. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
    probe.once('error', fail);
  });
}
