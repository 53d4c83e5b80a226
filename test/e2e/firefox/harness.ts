import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import puppeteer, { type Page, type Browser as Puppeteer } from 'puppeteer-core';
import {
  findFirefox,
  INSTALL_FIREFOX_HINT,
  QUIET_FIREFOX_ENV,
  QUIET_FIREFOX_PREFS,
} from '../../../scripts/browser';
import { GECKO_ID } from '../../../scripts/firefox-manifest';
import { type RecordingProxy, startRecordingProxy } from './recording-proxy';

/** The Firefox tests drive Firefox's test build: the generated models are packaged, nothing is downloaded. */
const FIREFOX_TEST_BUILD_DIR = resolve('dist-firefox-test');
/** Firefox's production package, as users install it (its models come from the hub). */
export const FIREFOX_PRODUCTION_BUILD_DIR = resolve('dist-firefox');

export interface Firefox {
  browser: Puppeteer;
  /** `moz-extension://<uuid>`: the UUID is pinned by pref, so every page's URL is known in advance. */
  origin: string;
  /** Every request Firefox sent, recorded by the loopback proxy all its traffic goes through. */
  proxy: RecordingProxy;
  /** Opens an extension page (e.g. `popup/index.html?tab=1`) as an ordinary tab, once it has loaded. */
  openExtensionPage(path: string): Promise<Page>;
  /** Opens a URL in a new tab and returns it with the tab id the extension sees. */
  openTab(url: string): Promise<{ page: Page; tabId: number }>;
  /**
   * Runs `fn` in an extension page kept open for it (Settings), with the extension's APIs (`chrome`, promise-based on Firefox): the
   * background page itself is no target over BiDi.
   */
  inExtension<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<Awaited<R>>;
  /** Whether the background page runs now (Firefox suspends it when idle). */
  backgroundRunning(): Promise<boolean>;
  close(): Promise<void>;
}

export interface FirefoxOptions {
  /** More prefs for the test profile (e.g. a shorter `extensions.background.idle.timeout`). */
  prefs?: Record<string, string | number | boolean>;
  /**
   * Sends huggingface.co to this loopback port (an HTTPS stand-in hub with a self-signed certificate, which
   * Firefox is told to accept) through the proxy's tunnel, instead of refusing it.
   */
  hubPort?: number;
}

/** Puppeteer's BiDi frame, whose browsing context can navigate without waiting for a load event. */
interface BidiFrame {
  browsingContext: { navigate(url: string, wait: 'none'): Promise<unknown> };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Starts headless Firefox (puppeteer-core over WebDriver BiDi, no geckodriver) with the extension installed
 * as a temporary add-on, every request going through a recording loopback proxy.
 */
export async function launchFirefox(
  extensionDir = FIREFOX_TEST_BUILD_DIR,
  options: FirefoxOptions = {},
): Promise<Firefox> {
  if (!existsSync(resolve(extensionDir, 'manifest.json')))
    throw new Error(`${extensionDir} is missing: run \`npm run build:test:firefox\` first.`);
  const executablePath = findFirefox();
  if (!executablePath) throw new Error(`No Firefox found for the Firefox tests. ${INSTALL_FIREFOX_HINT}`);
  const uuid = randomUUID();
  const origin = `moz-extension://${uuid}`;
  const proxy = await startRecordingProxy(options.hubPort ? { 'huggingface.co': options.hubPort } : {});
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    // The stand-in hub's certificate is self-signed.
    acceptInsecureCerts: options.hubPort !== undefined,
    dumpio: Boolean(process.env.PAGEWISE_FIREFOX_DUMPIO),
    // Release builds honour `services.settings.server` (QUIET_FIREFOX_PREFS) only with this set.
    env: { ...process.env, ...QUIET_FIREFOX_ENV },
    // Firefox 153 refuses BiDi's privileged commands (installing an add-on) without it.
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      ...QUIET_FIREFOX_PREFS,
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: uuid }),
      // All of Firefox's traffic, loopback included, through the recording proxy.
      'network.proxy.type': 1,
      'network.proxy.http': '127.0.0.1',
      'network.proxy.http_port': proxy.port,
      'network.proxy.ssl': '127.0.0.1',
      'network.proxy.ssl_port': proxy.port,
      'network.proxy.no_proxies_on': '',
      'network.proxy.allow_hijacking_localhost': true,
      ...options.prefs,
    },
  });
  try {
    await browser.installExtension(resolve(extensionDir));
  } catch (error) {
    await browser.close();
    await proxy.close();
    throw error;
  }

  const openExtensionPage = async (path: string) => {
    const page = await browser.newPage();
    const url = `${origin}/${path}`;
    // `page.goto` never sees a moz-extension:// page's load event: navigate without waiting, then poll.
    await (page.mainFrame() as unknown as BidiFrame).browsingContext.navigate(url, 'none');
    for (let attempt = 0; ; attempt++) {
      const loaded = await page
        .evaluate(() => (document.readyState === 'complete' ? location.href : ''))
        .catch(() => '');
      if (loaded === url) return page;
      if (attempt > 300) throw new Error(`${url} did not load`);
      await sleep(100);
    }
  };
  // An extension page to run the extension's APIs in; Settings talks to the background only as it opens.
  const apiPage = await openExtensionPage('options/index.html');
  const inExtension = <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) =>
    apiPage.evaluate(fn as (arg: unknown) => Promise<unknown>, arg as unknown) as Promise<Awaited<R>>;

  return {
    browser,
    origin,
    proxy,
    openExtensionPage,
    inExtension,
    async openTab(url) {
      // Found by difference, as the same page may be open in another tab.
      const tabIds = () =>
        inExtension(async () => (await chrome.tabs.query({})).map((tab) => tab.id), undefined);
      const before = new Set(await tabIds());
      const page = await browser.newPage();
      await page.goto(url);
      const added = (await tabIds()).filter((id) => !before.has(id));
      if (added.length !== 1 || added[0] === undefined)
        throw new Error(`Could not tell which tab shows ${url}`);
      return { page, tabId: added[0] };
    },
    backgroundRunning: () =>
      inExtension(
        async () =>
          (await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.BACKGROUND] }))
            .length > 0,
        undefined,
      ),
    async close() {
      await browser.close();
      await proxy.close();
    },
  };
}

/** The state of a page's `status` element (idle, loading, generating, done, error...). */
export const statusState = (page: Page) =>
  page.evaluate(() => document.querySelector('[data-testid="status"]')?.getAttribute('data-state') ?? '');

/** The text of the first element with this `data-testid`, or '' when there is none. */
export const testIdText = (page: Page, testId: string) =>
  page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '', testId);

/** Clicks the element with this `data-testid` as the user does (BiDi input: a user gesture). */
export const clickTestId = (page: Page, testId: string) => page.click(`[data-testid="${testId}"]`);
