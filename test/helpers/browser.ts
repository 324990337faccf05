/**
 * A real headless Chromium for tests that look at the HTML report as a person would. The browser
 * comes with `npm ci` (the `@sparticuz/chromium` devDependency ships it inside the package, unpacked
 * to the temp folder on first use); nothing is downloaded at run time. When it cannot start, the
 * test fails with what to install: a browser test never skips silently.
 */
import { pathToFileURL } from 'node:url';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/**
 * Flags for a headless shell on a plain Linux machine or container, running as root. The browser has
 * no business on any network: its own background traffic is switched off, and whatever it would
 * still send goes to a proxy on a closed loopback port, so nothing leaves the machine.
 */
const FLAGS = [
  '--headless=shell',
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--no-pings',
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
  '--font-render-hinting=none',
];

export async function launchBrowser(): Promise<Browser> {
  let executablePath: string | undefined;
  try {
    executablePath = process.env.LICENSE_BATCH_TEST_CHROMIUM ?? (await chromium.executablePath());
    return await puppeteer.launch({ executablePath, args: FLAGS, headless: 'shell', timeout: 30_000 });
  } catch (error) {
    throw new Error(
      `No headless Chromium could start for the report's browser tests (${executablePath ?? 'not unpacked'}): ${(error as Error).message}\n` +
        'How to get one: `npm ci` installs @sparticuz/chromium (devDependencies), which unpacks a Chromium to the temp folder on first use. ' +
        'If it is there but will not start, install the libraries it needs (Debian: apt-get install libnss3 libnspr4 libatk1.0-0 libatk-bridge2.0-0 ' +
        'libcups2 libdrm2 libxkbcommon0 libxcomposite1 libxdamage1 libxfixes3 libxrandr2 libgbm1 libasound2 fonts-dejavu-core), ' +
        'or point LICENSE_BATCH_TEST_CHROMIUM at a Chromium or Chrome 143 binary.',
    );
  }
}

/** A report opened from its file as a person opens it, with every request and dialog it causes recorded. */
export interface OpenedReport {
  readonly page: Page;
  /** Requests for anything but the file itself (refused): a self-contained report makes none. */
  readonly requests: string[];
  /** Dialogs opened by a script (dismissed): an escaped value never opens one. */
  readonly dialogs: string[];
  /** What a person reads: the page's text as rendered. */
  text(): Promise<string>;
}

export async function openReport(browser: Browser, path: string, viewport = { width: 1000, height: 800 }): Promise<OpenedReport> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const url = pathToFileURL(path).href;
  const requests: string[] = [];
  const dialogs: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url() === url) return void request.continue();
    requests.push(request.url());
    void request.abort();
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url, { waitUntil: 'load' });
  return { page, requests, dialogs, text: () => page.evaluate('document.body.innerText') as Promise<string> };
}
