import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { childrenOf, isAlive } from '../../src/platform/database/index.ts';
import { client, eventually } from '../support/api.ts';
import { postmasterPid } from '../support/main-process.ts';
import { replicaReady, skipWithoutNats, startStackSystem } from '../support/stack.ts';

/** The replicas run with the default SHUTDOWN_TIMEOUT. */
const SHUTDOWN_TIMEOUT_MS = 10_000;
const EXIT_SLACK_MS = 1_000;

test(
  'when the database hangs and a service replica gets SIGTERM, then it exits within SHUTDOWN_TIMEOUT naming what it cut, and the request it could not finish changed nothing',
  { skip: skipWithoutNats(), timeout: 150_000 },
  async (t) => {
    const system = await startStackSystem();
    t.after(() => system.stop());
    const { stack } = system;
    const api = client(system.url);
    const user = await api.userWithAccount(10_000);

    // PostgreSQL frozen whole (SIGSTOP to the postmaster, then to its backends): connections stay open, nothing answers.
    const postmaster = await postmasterPid(system.dataDir);
    process.kill(postmaster, 'SIGSTOP');
    const frozen = [postmaster, ...(await childrenOf(postmaster))];
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    const thaw = () => {
      for (const pid of frozen.filter(isAlive)) process.kill(pid, 'SIGCONT');
    };
    t.after(thaw);

    const billing = client(stack.replicaUrl('billing', 0), user.token);
    const stuck = billing.post(`/billing/accounts/${user.id}/deposits`, { amount: 500 }).catch(() => ({ status: 0 }));
    await eventually(async () => assert.equal(await replicaReady(stack, 'billing', 0), false), { timeoutMs: 10_000 });

    const signalledAt = Date.now();
    await stack.kill('billing', 0, 'SIGTERM');
    const stopMs = Date.now() - signalledAt;
    assert.ok(stopMs < SHUTDOWN_TIMEOUT_MS + EXIT_SLACK_MS, `billing-1 stopped after ${stopMs} ms`);
    const said = await readFile(join(system.dataDir, 'logs', 'billing-1.log'), 'utf8');
    assert.match(said, /stopped at the 10 s shutdown deadline \(SHUTDOWN_TIMEOUT\) without waiting any longer for: [^.]*billing HTTP requests/);
    // Cut (no answer), or refused once its wait for a new connection timed out: never a success nor a 500.
    assert.ok([0, 503].includes((await stuck).status), `the request on the hung database got ${(await stuck).status}`);

    thaw();
    await stack.restart('billing', 0);
    assert.equal(await user.balance(), 10_000, 'the deposit that was cut did not happen');
    assert.equal((await user.post(`/billing/accounts/${user.id}/deposits`, { amount: 500 })).body.balance, 10_500);
    console.log(`[stack: SIGTERM with the database hung] stopMs=${stopMs}`);
  },
);
