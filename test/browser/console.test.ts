/**
 * The operator console in a real Chromium, against every process of the system on the real stack: a customer places
 * an order from the catalogue and watches it complete; an operator switches the payment gateway off, sees an order
 * fail with its reason, switches it on and retries it from the page; the charts draw the analytics' figures; and a
 * customer's token does not open the operator's view.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startIsolatedApp, type IsolatedApp } from '../../tools/stack/app';
import { loadStackConfig } from '../../tools/stack/config';
import { buildConsole } from '../../tools/stack/console-build';
import { localTokens } from '../../tools/stack/issuer/keys';
import { stackPaths } from '../../tools/stack/paths';
import { connectTemporal } from '../../core/temporal/connection';
import { launchBrowser, screenshot } from '../support/browser';
import { bearer } from '../support/tokens';
import { until } from '../support/until';

jest.setTimeout(300_000);

const config = loadStackConfig();
const tokens = localTokens(stackPaths(config).issuer, config.auth);
const RUN = randomUUID().slice(0, 8);
const CUSTOMER = `c-console-${RUN}`;

describe('the operator console (real Chromium)', () => {
  let app: IsolatedApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    buildConsole();
    [app, browser] = await Promise.all([
      startIsolatedApp(config, `browser-console-${RUN}`, { env: { PAYMENT_LATENCY_MS: '5' } }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await app?.stopAndClean();
  });

  /** A fresh browser profile signed in at the console with this token, on the given view. */
  async function signedIn(token: string, view: 'operator' | 'customer'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${app.api}/console/`);
    await page.fill('textarea[name=token]', token);
    await page.click('button[type=submit]');
    await page.goto(`${app.api}/console/#/${view}`);
    return page;
  }

  const orderStatus = async (orderId: string) => {
    const res = await fetch(`${app.api}/orders/${orderId}`, { headers: bearer(await tokens.operator()) });
    return (await res.json()) as { status: string; reason: { type: string } | null };
  };

  it('lets a customer place an order from the catalogue and watch it complete', async () => {
    const page = await signedIn(await tokens.customer(CUSTOMER), 'customer');
    await page.locator('#notifications[data-state=live]').waitFor();
    await page.fill('tr[data-sku="KB-001"] input', '2');
    await page.fill('input[type=email]', `${CUSTOMER}@example.com`);
    await page.click('[data-testid=place-order]');
    const accepted = await page.getByText(/order [0-9a-f]{8} accepted/).textContent();
    const prefix = /order ([0-9a-f]{8})/.exec(accepted!)![1]!;

    const row = page.locator(`#my-orders tr[data-order-id^="${prefix}"]`);
    await row.and(page.locator('[data-status=completed]')).waitFor({ timeout: 60_000 });
    const notification = page.locator(`#notifications li[data-order-id^="${prefix}"]`);
    await notification.waitFor();
    expect(await notification.textContent()).toMatch(/completed/i);
    console.log(`screenshot: ${await screenshot(page, 'console-customer')}`);
  });

  it('shows a failed order with its reason, and retries it from the page once the gateway is back', async () => {
    const page = await signedIn(await tokens.operator(), 'operator');
    await page.locator('#live-feed[data-state=live]').waitFor();
    const gateway = page.locator('[data-testid=gateway-state]');
    await expect(gateway.textContent()).resolves.toBe('on');
    await page.click('[data-testid=gateway-toggle]');
    await page.locator('[data-testid=gateway-state]', { hasText: 'off' }).waitFor();

    const placed = await fetch(`${app.api}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(await tokens.customer(CUSTOMER)) },
      body: JSON.stringify({
        email: 'o@example.com',
        currency: 'EUR',
        items: [{ sku: 'MS-002', quantity: 1 }],
      }),
    });
    const { orderId } = (await placed.json()) as { orderId: string };
    const row = page.locator(`#failed-orders tr[data-order-id="${orderId}"]`);
    await row.waitFor({ timeout: 120_000 });
    expect(await row.locator('.reason').textContent()).toContain('GatewayUnavailable');
    await page.locator(`#live-feed li[data-order-id="${orderId}"]`, { hasText: 'failed' }).waitFor();
    console.log(`screenshot: ${await screenshot(page, 'console-operator-failed')}`);

    await page.click('[data-testid=gateway-toggle]');
    await page.locator('[data-testid=gateway-state]', { hasText: 'on' }).waitFor();
    // The run refunds what it may have charged before it closes, which waits for the gateway: retry after that.
    const temporal = await connectTemporal(config.temporal);
    try {
      await until('the failed run to close', async () => {
        const { status } = await temporal.client.workflow.getHandle(`order-${orderId}`).describe();
        return status.name === 'RUNNING' ? undefined : status.name;
      });
    } finally {
      await temporal.connection.close();
    }
    await page.click(`[data-testid="retry-${orderId}"]`);
    await until(`order ${orderId} to complete`, async () =>
      (await orderStatus(orderId)).status === 'completed' ? true : undefined,
    );
    await page.locator(`#live-feed li[data-order-id="${orderId}"]`, { hasText: 'completed' }).waitFor();
    await row.waitFor({ state: 'detached' });

    // Its trace, from the page: the request, the relay, the bridge, the workflow and its activities, the consumers.
    const processes = ['api', 'outbox-relay', 'bridge', 'worker-orders', 'worker-payments', 'notifications'];
    const seen = await until(
      `the trace of ${orderId} to hold every process`,
      async () => {
        await page.goto(`${app.api}/console/#/trace/${orderId}`);
        await page.reload();
        await page.locator('#trace[data-state=ready], #trace[data-state=error]').waitFor();
        const first = page.locator('#trace table').first();
        const services = await first.locator('tbody td:nth-child(2)').allTextContents();
        // Spans reach the files in batches: wait until every process's are there and no span lacks its parent.
        const orphans = await first.getByText('(parent missing)').count();
        return processes.every((p) => services.includes(p)) && orphans === 0 ? services : undefined;
      },
      { timeoutMs: 60_000, everyMs: 2_000 },
    );
    expect(seen.length).toBeGreaterThan(processes.length);
    expect(await page.locator('#trace tbody tr[data-depth="0"] td').first().textContent()).toBe(
      'POST /orders',
    );
    console.log(`screenshot: ${await screenshot(page, 'console-trace')}`);
  });

  it('draws the throughput and latency charts from the analytics figures', async () => {
    const page = await signedIn(await tokens.operator(), 'operator');
    for (const chart of ['#throughput', '#latency']) {
      const drawn = page.locator(`${chart} .chart canvas`);
      await drawn.waitFor({ timeout: 60_000 });
      const points = Number(await page.locator(`${chart} .chart`).getAttribute('data-points'));
      expect({ chart, points: points > 0 }).toEqual({ chart, points: true });
    }
    const completed = Number(await page.locator('#counts [data-status=completed] .figure').textContent());
    expect(completed).toBeGreaterThanOrEqual(2);
    await page.locator('#task-queues tbody tr').first().waitFor();
    await page.locator('#consumer-lag tbody tr').first().waitFor();
    console.log(`screenshot: ${await screenshot(page, 'console-operator')}`);
  });

  it("does not open the operator's view to a customer's token", async () => {
    const page = await signedIn(await tokens.customer(CUSTOMER), 'operator');
    const opsCalls: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/ops/')) opsCalls.push(r.url());
    });
    await page.locator('#not-an-operator').waitFor();
    expect(await page.locator('#failed-orders, #dead-letters, #task-queues').count()).toBe(0);
    // And the API says no to that token, whatever a page does.
    const direct = await page.evaluate(
      async (token) => {
        const res = await fetch('/ops/task-queues', { headers: { Authorization: `Bearer ${token}` } });
        return res.status;
      },
      await tokens.customer(CUSTOMER),
    );
    expect(direct).toBe(403);
    expect(opsCalls.filter((u) => !u.endsWith('/ops/task-queues'))).toEqual([]);
  });
});
