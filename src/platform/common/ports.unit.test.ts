import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, test } from 'node:test';
import { ConfigError } from './config-error.ts';
import { assertPortFree, bindingProblem, freePort, freePorts } from './ports.ts';

const failure = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

describe('a port that cannot be bound', () => {
  test('given a port in use, when it is explained, then one line names the setting and another port to try', () => {
    const problem = bindingProblem(failure('EADDRINUSE'), { setting: 'NATS_PORT', port: 4222, host: '127.0.0.1' });
    assert.ok(problem instanceof ConfigError);
    assert.equal(problem.message, 'NATS_PORT 4222 is in use by another program: stop it, or start with NATS_PORT=4223 (0 picks a free port)');
  });

  test('given a privileged port or an address the machine does not have, when it is explained, then the line says what to set', () => {
    assert.match(bindingProblem(failure('EACCES'), { setting: 'PORT', port: 80, host: '127.0.0.1' })?.message ?? '', /^PORT 80 needs privileges.*PORT=8080/);
    assert.match(bindingProblem(failure('EADDRNOTAVAIL'), { setting: 'PORT', port: 8080, host: '10.9.9.9' })?.message ?? '', /^HOST 10\.9\.9\.9 is not an address of this machine/);
    assert.equal(bindingProblem(new Error('something else'), { setting: 'PORT', port: 8080, host: '127.0.0.1' }), undefined);
  });

  test('given a port another program holds, when it is checked before a child process takes it, then the check fails with that line', async () => {
    const port = await freePort();
    const holder: Server = await new Promise((listening) => {
      const server = createServer().listen(port, '127.0.0.1', () => listening(server));
    });
    try {
      await assert.rejects(assertPortFree({ setting: 'PG_PORT', port, host: '127.0.0.1' }), (error: Error) => error instanceof ConfigError && error.message.startsWith(`PG_PORT ${port} is in use`));
    } finally {
      await new Promise((closed) => holder.close(closed));
    }
    await assertPortFree({ setting: 'PG_PORT', port, host: '127.0.0.1' });
  });
});

describe('free ports for the processes of a stack', () => {
  test('given forty ports asked for at once, when they are drawn, then no two are the same and each can be bound', async () => {
    const ports = await freePorts(40);
    assert.equal(new Set(ports).size, 40, `drawn twice: ${ports.filter((port, i) => ports.indexOf(port) !== i).join(', ')}`);
    const servers = await Promise.all(
      ports.map((port) => new Promise<Server>((listening, fail) => { const server = createServer().once('error', fail).listen(port, '127.0.0.1', () => listening(server)); })),
    );
    await Promise.all(servers.map((server) => new Promise((closed) => server.close(closed))));
  });
});
