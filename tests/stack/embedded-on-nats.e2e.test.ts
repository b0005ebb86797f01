/**
 * NATS_URL on the embedded default: the four services stay in one process, and their events go through NATS
 * JetStream instead of the in-process bus (the smallest install on a real broker).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startNats } from '../../scripts/stack/nats.ts';
import { client, eventually } from '../support/api.ts';
import { skipWithoutNats } from '../support/stack.ts';
import { startTestSystem, type TestSystem } from '../support/system.ts';

describe('the embedded default with NATS_URL', { skip: skipWithoutNats() }, () => {
  let natsDir: string;
  let nats: Awaited<ReturnType<typeof startNats>> | undefined;
  let system: TestSystem | undefined;
  let api: ReturnType<typeof client>;

  before(async () => {
    natsDir = await mkdtemp(join(tmpdir(), 'streamshop-nats-'));
    nats = await startNats({ dataDir: natsDir, size: 1, port: 0, logsDir: natsDir });
    system = await startTestSystem({ env: { NATS_URL: nats.url } });
    api = client(system.url);
  });
  after(async () => {
    await system?.stop();
    await nats?.stop();
    await rm(natsDir, { recursive: true, force: true });
  });

  test('when a user orders once with enough money and once without, then both orders are final and the events went through JetStream', async () => {
    const user = await api.userWithAccount(1_000);
    const paid = await user.post('/orders', { userId: user.id, price: 600 }, { prefer: 'wait=10' });
    const rejected = await user.post('/orders', { userId: user.id, price: 600 }, { prefer: 'wait=10' });
    assert.deepEqual([paid.body.status, rejected.body.status], ['paid', 'rejected']);
    assert.equal(await user.balance(), 400);
    const letters = await eventually(async () => {
      const found = await user.letters();
      assert.equal(found.length, 2);
      return found;
    });
    assert.deepEqual(letters.map((letter) => letter.kind).sort(), ['order_paid', 'order_rejected']);

    const nc = await connect({ servers: (nats as { url: string }).url });
    try {
      const jsm = await jetstreamManager(nc);
      const stored = async (stream: string) => (await jsm.streams.info(stream)).state.messages;
      // The operator (created at start) and the user: two users.created and two accounts opened; two orders created
      // and made final; a payment and a refusal; two letters.
      assert.deepEqual(
        { USERS: await stored('USERS'), ORDERS: await stored('ORDERS'), BILLING: await stored('BILLING'), NOTIFICATIONS: await stored('NOTIFICATIONS') },
        { USERS: 2, ORDERS: 4, BILLING: 4, NOTIFICATIONS: 2 },
      );
    } finally {
      await nc.close();
    }
  });
});
