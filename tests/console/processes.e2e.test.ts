/**
 * The console's Processes view in headless Chromium, on a system in the saga style (orders drives the payment with
 * commands and a deadline): the header names the style; a cancellation billing has not confirmed for a minute is
 * listed as overdue and marked; Retry asks billing again at once and is kept with its reason, and once there is
 * nothing to do the problem's title and detail show; Compensate rejects an order stuck pending and billing gives
 * back what it charged; list and process fit a phone. Billing is frozen (t.system.pause) to keep orders waiting.
 * Screenshots go to reports/console/.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { eventually, type Member, TEST_ADMIN } from '../support/api.ts';
import { skipWithoutBrowser } from '../support/browser.ts';
import { PHONE, TIMEOUT, useConsole } from '../support/console-page.ts';
import { useSystem } from '../support/topology.ts';

describe('operators’ console in a browser: order processes (embedded, saga)', { skip: skipWithoutBrowser() }, () => {
  // The deadline leaves a pending order time to be compensated by hand before the process rejects it itself.
  const t = useSystem('embedded', { env: { INTERACTION_STYLE: 'saga', PAYMENT_DEADLINE: '60s' } });
  const ui = useConsole(t);

  /** Runs `during` with billing frozen, so that every charge and refund orders asks for stays unanswered. */
  async function withBillingFrozen<T>(during: () => Promise<T>): Promise<T> {
    await t.system.pause('billing');
    try {
      return await during();
    } finally {
      await t.system.resume('billing');
    }
  }

  /** An order its owner cancelled while billing was frozen, its cancellation unconfirmed for a minute: overdue. */
  async function overdueCancellation(user: Member): Promise<string> {
    const orderId = (await user.post('/orders', { userId: user.id, price: 300 })).body.id as string;
    assert.equal((await user.post(`/orders/${orderId}/cancellation`, undefined)).body.status, 'cancelling');
    // As if it had waited a minute (the list takes a cancellation as stuck after 30 s), as the API's own test does.
    await t.system.database('orders')`UPDATE orders SET updated_at = now() - interval '1 minute' WHERE id = ${orderId}`;
    return orderId;
  }

  /** The text of one field of the process shown. */
  const field = (page: Page, name: string) => page.locator(`[data-field="${name}"]`);

  test('the header names the interaction style once the operator is logged in, and not before', async () => {
    const page = await ui.pages.open();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    assert.equal(await page.locator('#style').isVisible(), false, 'before login');
    await ui.pages.logIn(page, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.locator('#style[data-style="saga"]').filter({ hasText: 'style: saga' }).waitFor();
    assert.equal((await t.api.get('/orders/health/ready')).body.settings.INTERACTION_STYLE, 'saga', 'as readiness says');
    await ui.pages.done(page);
  });

  test('when a cancellation waits for billing past its time, then it is listed as overdue; Retry asks billing again at once and is kept; once the order is settled, Retry shows the 409 problem', async () => {
    const user = await t.api.userWithAccount(1_000);
    const page = await ui.pages.asOperator();
    const orderId = await withBillingFrozen(async () => {
      const stuck = await overdueCancellation(user);
      await page.getByRole('link', { name: 'Processes' }).click();
      const row = page.locator(`table.processes tr[data-order-id="${stuck}"]`);
      await row.waitFor();
      assert.equal(await row.getAttribute('class'), 'overdue', 'the row is highlighted');
      assert.equal(await row.getAttribute('data-overdue'), 'true');
      const cells = await row.locator('td').allTextContents();
      assert.ok(cells[0]?.includes(stuck.slice(-12)), `the order is shown by its id's tail: ${cells[0]}`);
      assert.deepEqual([cells[1], cells[2]], ['cancelling overdue', 'refund'], 'its status and the step it waits for');
      assert.match(cells[3] ?? '', /^\d+$/, 'attempts');
      assert.equal(await page.locator('nav a.current').textContent(), 'Processes');
      await ui.pages.shot(page, 'processes-overdue');

      await row.getByRole('link').first().click();
      await field(page, 'step').filter({ hasText: 'refund' }).waitFor();
      await field(page, 'overdue').getByText('overdue').waitFor();
      const answer = page.waitForResponse((response) => response.url().endsWith(`/orders/admin/processes/${stuck}/retry`));
      await page.getByRole('button', { name: 'Retry…' }).click();
      await page.getByLabel('Reason').fill('billing restarted, ticket 5120');
      const asked = Date.now();
      await page.getByRole('button', { name: 'Retry', exact: true }).click();
      const retried = await (await answer).json();
      assert.ok(Date.parse(retried.nextAttemptAt) <= Date.now() && Date.parse(retried.nextAttemptAt) >= asked - 1_000, 'the step is asked for again now');
      await page.getByRole('status').filter({ hasText: 'Retried: the order is now cancelling, waiting for billing to give the payment back' }).waitFor();
      const kept = page.locator('table[aria-label="Operators’ actions"] tr[data-action="retry"]');
      assert.match((await kept.textContent()) ?? '', new RegExp(`retry${TEST_ADMIN.email}billing restarted, ticket 5120`));
      await ui.pages.shot(page, 'process-retried');
      return stuck;
    });

    // Billing is back: it gives the payment back, the order is cancelled, and nothing is left to retry.
    await eventually(async () => assert.equal((await user.get(`/orders/${orderId}`)).body.status, 'cancelled'), { timeoutMs: TIMEOUT });
    await page.getByRole('button', { name: 'Reload' }).click();
    await field(page, 'status').locator('[data-status="cancelled"]').waitFor();
    await page.getByRole('button', { name: 'Retry…' }).click();
    await page.getByLabel('Reason').fill('once more');
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    const problem = page.getByRole('alert');
    await problem.waitFor();
    assert.equal(await problem.textContent(), `Nothing to retry: Order ${orderId} is cancelled, with no step waiting for billing.`);
    assert.equal((await ui.admin.get(`/orders/admin/processes/${orderId}`)).body.actions.length, 1, 'a refused retry is not kept');
    await ui.pages.shot(page, 'process-nothing-to-do');

    await page.getByRole('link', { name: 'Processes' }).click();
    await page.locator('table.processes, p.notice').first().waitFor();
    assert.equal(await page.locator(`tr[data-order-id="${orderId}"]`).count(), 0, 'no longer listed');
    await ui.pages.done(page);
  });

  test('when an order waits for a frozen billing, then the operator opens its process by id and compensates it: it is rejected, the action kept, and billing gives back what it charged', async () => {
    const user = await t.api.userWithAccount(1_000);
    const page = await ui.pages.asOperator('#/processes');
    await withBillingFrozen(async () => {
      const orderId = (await user.post('/orders', { userId: user.id, price: 400 })).body.id as string;
      await page.getByRole('searchbox', { name: 'Order id' }).fill(orderId.toUpperCase());
      await page.getByRole('button', { name: 'Open' }).click();
      await field(page, 'step').filter({ hasText: 'charge' }).waitFor();
      assert.match((await field(page, 'deadline').textContent()) ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(in \d+(\.\d+)? s\)$/, 'the deadline, and how soon');
      assert.equal(await field(page, 'overdue').textContent(), 'no');

      await page.getByRole('button', { name: 'Compensate…' }).click();
      await page.getByLabel('Reason').fill('billing is down for maintenance');
      await page.getByRole('button', { name: 'Compensate', exact: true }).click();
      // In the saga, giving back is a step of its own: the refund waits for billing like the charge did.
      const said = 'Compensated: the order is now rejected (payment_timeout), waiting for billing to give the payment back (or void it).';
      await page.getByRole('status').filter({ hasText: said }).waitFor();
      await field(page, 'status').filter({ hasText: 'rejected (payment_timeout)' }).waitFor();
      assert.equal(await field(page, 'step').textContent(), 'refund: waits for billing to give the payment back (or void it)');
      assert.match((await page.locator('tr[data-action="compensate"]').textContent()) ?? '', /billing is down for maintenance/);
      await ui.pages.shot(page, 'process-compensated');
      assert.equal((await user.get(`/orders/${orderId}`)).body.status, 'rejected');
    });
    // Billing carries out the charge it was sent, then the refund behind it: nothing stays charged, nothing waits.
    await eventually(async () => assert.equal(await user.balance(), 1_000), { timeoutMs: TIMEOUT });
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Reload' }).click();
        assert.equal(await field(page, 'step').textContent(), 'none: nothing waits for billing');
      },
      { timeoutMs: TIMEOUT, intervalMs: 500 },
    );
    await ui.pages.done(page);
  });

  test('at a phone’s width the list of processes and a process fit the window', async () => {
    const user = await t.api.userWithAccount(1_000);
    const page = await ui.pages.asOperator('', PHONE);
    await withBillingFrozen(async () => {
      const orderId = await overdueCancellation(user);
      await page.goto(`${t.system.url}/console#/processes`);
      await page.locator(`tr[data-order-id="${orderId}"]`).waitFor();
      await ui.pages.assertFits(page, 'processes');
      await page.goto(`${t.system.url}/console#/processes/${orderId}`);
      await field(page, 'step').filter({ hasText: 'refund' }).waitFor();
      await page.getByRole('button', { name: 'Compensate…' }).click();
      await page.getByLabel('Reason').waitFor();
      await ui.pages.assertFits(page, 'process');
    });
    await ui.pages.done(page);
  });
});
