import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startGateway } from './gateway.ts';

const answer = (_req: unknown, res: { end(body: string): void }) => res.end('users');

test('given HOST, when the gateway starts, then it listens on that address alone and says so in its URL', async () => {
  // 127.0.0.2 is this machine too (all of 127/8 is loopback): an answer on 127.0.0.1 would mean every address was bound.
  const gateway = await startGateway({ users: answer }, { port: 0, host: '127.0.0.2' });
  try {
    const { port } = new URL(gateway.url);
    assert.equal(gateway.url, `http://127.0.0.2:${port}`);
    assert.equal(await (await fetch(`${gateway.url}/users`)).text(), 'users');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/users`), 'nothing listens on the other addresses');
  } finally {
    await gateway.close();
  }
});

test('given a port in use, when a gateway starts on it, then the start fails in one line naming PORT', async () => {
  const first = await startGateway({ users: answer }, { port: 0, host: '127.0.0.1' });
  try {
    const port = Number(new URL(first.url).port);
    await assert.rejects(startGateway({ users: answer }, { port, host: '127.0.0.1' }), new RegExp(`^Error: PORT ${port} is in use by another program`));
  } finally {
    await first.close();
  }
});
