import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumArgs, ensureChromium } from '../../tools/stack/browser';

/** Screenshots of the browser tests, kept as artefacts of the run (git-ignored). */
export const SCREENSHOTS = path.resolve(__dirname, '../../test-results/screenshots');

/** Debian's Chromium, headless, installed first when missing. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: await ensureChromium(), args: chromiumArgs() });
}

/** Saves a full-page screenshot as `<name>.png` among the artefacts, and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
