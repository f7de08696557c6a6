/**
 * The Temporal Web UI in a real Chromium, against the real stack and every process of the system: an order's
 * workflow history holds its customer's email only encrypted, and the UI shows it decoded through the API's codec
 * endpoint to an operator's signed-in browser, and to nobody else's.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { startIsolatedApp, type IsolatedApp } from '../../tools/stack/app';
import { loadStackConfig } from '../../tools/stack/config';
import { localTokens } from '../../tools/stack/issuer/keys';
import { stackPaths } from '../../tools/stack/paths';
import { temporalCli } from '../../tools/stack/servers/temporal';
import { ENCRYPTED_ENCODING } from '../../core/temporal/payload-codec';
import { launchBrowser, screenshot } from '../support/browser';
import { bearer } from '../support/tokens';
import { until } from '../support/until';

jest.setTimeout(300_000);

const config = loadStackConfig();
const paths = stackPaths(config);
const tokens = localTokens(paths.issuer, config.auth);
const RUN = randomUUID().slice(0, 8);
const ENCRYPTED_B64 = Buffer.from(ENCRYPTED_ENCODING).toString('base64');
/** What the Web UI says when its codec endpoint refuses: it then shows the payloads as they are stored. */
const NO_CODEC = 'Codec Server could not connect';

/** `temporal workflow show --output json`, with any further options (a codec endpoint, say). */
async function workflowShow(workflowId: string, ...options: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    temporalCli(paths),
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--address',
      config.temporal.address,
      '--namespace',
      config.temporal.namespace,
      '--output',
      'json',
      ...options,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

/** The workflow's input as `temporal workflow show --output json` prints it: its encoding, and its bytes as text. */
function startedInput(shown: string): { encoding: string; data: string } {
  const history = JSON.parse(shown) as {
    events: Array<{
      workflowExecutionStartedEventAttributes?: {
        input: { payloads: Array<{ metadata: { encoding: string }; data: string }> };
      };
    }>;
  };
  const [input] = history.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads;
  const text = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
  return { encoding: text(input!.metadata.encoding), data: text(input!.data) };
}

describe('the Temporal Web UI and the codec endpoint (real Chromium)', () => {
  let app: IsolatedApp;
  let browser: Browser;
  const email = `ui-codec-${RUN}@example.com`;
  let workflowId: string;
  let workflowPage: string;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startIsolatedApp(config, `browser-codec-${RUN}`), launchBrowser()]);
    const customer = bearer(await tokens.customer(`c-ui-${RUN}`));
    const placed = await fetch(`${app.api}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...customer },
      body: JSON.stringify({ email, currency: 'EUR', items: [{ sku: 'KB-001', quantity: 1 }] }),
    });
    expect(placed.status).toBe(202);
    const order = (await placed.json()) as { orderId: string; links: { workflow: string } };
    workflowId = `order-${order.orderId}`;
    workflowPage = order.links.workflow;
    expect(workflowPage).toBe(
      `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${workflowId}`,
    );
    await until(`order ${order.orderId} to complete`, async () => {
      const res = await fetch(`${app.api}/orders/${order.orderId}`, { headers: customer });
      return ((await res.json()) as { status: string }).status === 'completed' ? true : undefined;
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stopAndClean();
  });

  it('keeps the email out of `temporal workflow show`, which reads it only through the codec endpoint', async () => {
    const stored = await workflowShow(workflowId);
    expect(stored).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    expect(stored).not.toContain(email);
    expect(startedInput(stored)).toEqual({
      encoding: ENCRYPTED_ENCODING,
      data: expect.not.stringContaining(email),
    });

    const codec = ['--codec-endpoint', `${app.api}/codec/{namespace}`];
    const operator = await workflowShow(
      workflowId,
      ...codec,
      '--codec-auth',
      `Bearer ${await tokens.operator()}`,
    );
    expect(startedInput(operator)).toEqual({ encoding: 'json/plain', data: expect.stringContaining(email) });

    const customer = workflowShow(
      workflowId,
      ...codec,
      '--codec-auth',
      `Bearer ${await tokens.customer('c-1')}`,
    );
    // The codec endpoint answers a customer 403; the CLI keeps asking until its deadline, then gives up.
    const refused = await customer.then(
      () => 'decoded',
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/failed getting next history event/);
    expect(refused).not.toContain(email);
  });

  /** Points this browser's Web UI at the system's codec endpoint, with cookies, in the UI's own settings dialog. */
  async function pointUiAtCodec(page: Page): Promise<void> {
    await page.goto(workflowPage);
    await page.click('[data-testid^=data-encoder-status]');
    await page.check('[data-testid=use-local-endpoint-input]');
    await page.fill('[data-testid=data-encoder-endpoint-input]', `${app.api}/codec`);
    await page.click('[data-testid=data-encoder-include-credentials]');
    expect(await page.isChecked('#pass-access-credentials')).toBe(true);
    await page.click('[data-testid=confirm-modal-button]');
  }

  /**
   * Loads the workflow's page, waits for the UI's first answer from the codec endpoint and then for `shown` (what
   * the input panel holds once it rendered); `shows(text)` then says whether any element of the page holds text.
   */
  async function openWorkflow(
    page: Page,
    shown: string,
  ): Promise<{ codecStatus: number; shows: (text: string) => Promise<boolean> }> {
    const decoded = page.waitForResponse((r) => r.url().startsWith(`${app.api}/codec/decode`));
    await page.goto(workflowPage);
    const codecStatus = (await decoded).status();
    await page.getByText(workflowId).first().waitFor();
    await page
      .getByText(shown)
      .filter({ visible: true })
      .first()
      .waitFor()
      .catch(async (err: Error) => {
        console.log(`screenshot: ${await screenshot(page, 'temporal-ui-failure')}`);
        throw err;
      });
    return {
      codecStatus,
      shows: async (text) => (await page.getByText(text).filter({ visible: true }).count()) > 0,
    };
  }

  async function signInToCodec(page: Page, token: string): Promise<number> {
    await page.goto(`${app.api}/codec/session`);
    await page.fill('textarea[name=token]', token);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${app.api}/codec/session` && r.request().method() === 'POST'),
      page.click('button[type=submit]'),
    ]);
    return response.status();
  }

  it('shows the email decoded to a signed-in operator only', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await pointUiAtCodec(page);

    // Not signed in: the codec endpoint refuses, the UI shows the payload sealed.
    const anonymous = await openWorkflow(page, NO_CODEC);
    expect(anonymous.codecStatus).toBe(401);
    expect(await anonymous.shows(email)).toBe(false);

    // A customer's token does not sign a browser in.
    expect(await signInToCodec(page, await tokens.customer(`c-ui-${RUN}`))).toBe(403);
    expect((await context.cookies()).map((c) => c.name)).not.toContain('codec_session');
    const customer = await openWorkflow(page, NO_CODEC);
    expect(customer.codecStatus).toBe(401);
    expect(await customer.shows(email)).toBe(false);

    // An operator's does: the same page now reads in clear.
    expect(await signInToCodec(page, await tokens.operator())).toBe(200);
    const operator = await openWorkflow(page, email);
    expect(operator.codecStatus).toBe(200);
    expect(await operator.shows(NO_CODEC)).toBe(false);
    expect(await operator.shows(ENCRYPTED_B64)).toBe(false);
    const shot = await screenshot(page, 'temporal-ui-decoded-input');
    console.log(`screenshot: ${shot}`);

    // Signing out ends it.
    await page.goto(`${app.api}/codec/session`);
    const signedOut = await page.evaluate(async () => (await fetch('session', { method: 'DELETE' })).status);
    expect(signedOut).toBe(204);
    const signedOutPage = await openWorkflow(page, NO_CODEC);
    expect(signedOutPage.codecStatus).toBe(401);
    expect(await signedOutPage.shows(email)).toBe(false);
    await context.close();
  });
});
