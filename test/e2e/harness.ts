import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from 'playwright-core';
import { findChromium, INSTALL_CHROMIUM_HINT, QUIET_CHROMIUM_FLAGS } from '../../scripts/browser';
import { autoAttach } from './auto-attach';
import { connectCdp } from './cdp-connection';

/** The browser tests drive the test build: the generated models are packaged, so nothing is downloaded. */
const TEST_BUILD_DIR = resolve('dist-test');
/** The production build, as users install it (its model comes from the hub). */
export const PRODUCTION_BUILD_DIR = resolve('dist');

/** Finds a Chromium to drive, or fails with how to install one: browser tests never skip silently. */
function requireChromium(): string {
  const found = findChromium();
  if (!found) throw new Error(`No Chromium found for the browser tests. ${INSTALL_CHROMIUM_HINT}`);
  return found;
}

export interface Browser {
  context: BrowserContext;
  /** The browser's own DevTools WebSocket, for a CDP connection beside Playwright's (see cdp-connection). */
  cdpEndpoint: string;
  worker: Worker;
  extensionId: string;
  /** Opens an extension page (e.g. `popup/index.html?tab=1`) as an ordinary tab. */
  openExtensionPage(path: string): Promise<Page>;
  /** Stops the extension's service worker, as Chrome does to idle workers, and waits until it has. */
  stopWorker(): Promise<void>;
  /** Opens a URL in a new tab and returns it with the tab id the extension sees. */
  openTab(url: string): Promise<{ page: Page; tabId: number }>;
  close(): Promise<void>;
}

/**
 * Closes the offscreen document, if the threads tier opened one; run in the worker. With `stopWorker`, the
 * extension starts again from nothing: a stopped worker alone leaves the document, and the model loaded in it.
 */
export async function closeOffscreenDocument(): Promise<void> {
  const open = await chrome.runtime.getContexts({
    contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
  });
  if (open.length > 0) await chrome.offscreen.closeDocument();
}

/** A browser profile folder that outlives one launch, to test what survives a browser restart. */
export function createProfile(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'pagewise-profile-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What to change from a fresh install of the extension. */
export interface LaunchOptions {
  /**
   * Sets "Allow access to file URLs" (file:// pages). Left alone when absent: Chromium allows it for unpacked
   * extensions, which is how the tests load it.
   */
  fileAccess?: boolean;
  /**
   * Gives the worker a WebGPU adapter (`--enable-unsafe-webgpu`; SwiftShader on a machine without a GPU)
   * instead of starting with the GPU off.
   */
  webgpu?: boolean;
  /**
   * The core count the extension's worker sees (`navigator.hardwareConcurrency`, through CDP), whatever this
   * machine has: automatic picks `wasm-threads` from 4 cores, so a test's verdict must not depend on the
   * machine it runs on. 2 unless given.
   */
  cores?: number;
  /**
   * Sends huggingface.co to this loopback port (an HTTPS stand-in hub with a self-signed certificate, which
   * Chromium is told to accept), instead of leaving it unresolvable: a real server can hold a body mid-way.
   */
  hubPort?: number;
}

/** The core count the worker sees unless a test says otherwise: below the threads tier's threshold. */
const DEFAULT_CORES = 2;

/**
 * Starts Chromium with the extension loaded (headless) and waits for its worker. The profile is fresh and
 * removed on close, unless one is given (see createProfile), which the caller then owns.
 */
export async function launchBrowser(
  extensionDir = TEST_BUILD_DIR,
  profileDir?: string,
  options: LaunchOptions = {},
): Promise<Browser> {
  if (!existsSync(join(extensionDir, 'manifest.json'))) {
    throw new Error(`${extensionDir} is missing: run \`npm run build:test\` (or \`npm run build\`) first.`);
  }
  const profile = profileDir ?? mkdtempSync(join(tmpdir(), 'pagewise-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: requireChromium(),
    headless: false,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      '--headless=new',
      '--no-sandbox',
      // Beside Playwright's pipe: its CDP sessions cannot drive flat child sessions (network-recorder).
      '--remote-debugging-port=0',
      options.webgpu ? '--enable-unsafe-webgpu' : '--disable-gpu',
      ...QUIET_CHROMIUM_FLAGS,
      // No host but loopback resolves: the test build must work with no network at all.
      options.hubPort
        ? `--host-resolver-rules=MAP huggingface.co 127.0.0.1:${options.hubPort}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1`
        : '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ...(options.hubPort ? ['--ignore-certificate-errors'] : []),
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
    ],
  });
  const cdpEndpoint = devToolsEndpoint(profile);
  const cores = options.cores ?? DEFAULT_CORES;
  const coresOverride = await overrideCores(cdpEndpoint, cores);
  let worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(worker.url()).host;
  if (options.fileAccess !== undefined) {
    worker = await setFileAccess(context, worker, extensionId, options.fileAccess);
  }
  // The running worker sees the override. It reads the count when a page first asks which engine runs, and
  // none has yet.
  const seen = await worker.evaluate(() => navigator.hardwareConcurrency);
  if (seen !== cores) throw new Error(`The worker sees ${seen} cores, not the ${cores} injected`);
  return {
    context,
    worker,
    extensionId,
    cdpEndpoint,
    async openExtensionPage(path) {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/${path}`);
      return page;
    },
    async stopWorker() {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/popup/index.html`);
      const cdp = await context.newCDPSession(page);
      const stopped = new Promise<void>((resolve) => {
        cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
          if (
            versions.some(
              (v) =>
                v.scriptURL.startsWith(`chrome-extension://${extensionId}/`) && v.runningStatus === 'stopped',
            )
          ) {
            resolve();
          }
        });
      });
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      await stopped;
      await cdp.detach();
      await page.close();
    },
    async openTab(url) {
      // Found by difference: without the `tabs` permission the worker can't see browser pages' URLs.
      const tabIds = () => worker.evaluate(async () => (await chrome.tabs.query({})).map((tab) => tab.id));
      const before = new Set(await tabIds());
      const page = await context.newPage();
      await page.goto(url);
      const added = (await tabIds()).filter((id) => !before.has(id));
      if (added.length !== 1 || added[0] === undefined)
        throw new Error(`Could not tell which tab shows ${url}`);
      return { page, tabId: added[0] };
    },
    async close() {
      const failures = coresOverride.stop();
      await context.close();
      if (!profileDir) rmSync(profile, { recursive: true, force: true });
      if (failures.length > 0)
        throw new Error(`The core count was not injected into: ${failures.join('; ')}`);
    },
  };
}

// Every service worker, the extension's present one and any started later (a reload), sees `cores`: each
// new one is held at its start until the override is on. The override outlives the worker's restarts.
async function overrideCores(cdpEndpoint: string, cores: number) {
  const cdp = await connectCdp(cdpEndpoint);
  const watch = await autoAttach(cdp, async (target) => {
    if (target.type !== 'service_worker') return;
    await cdp.send(
      'Emulation.setHardwareConcurrencyOverride',
      { hardwareConcurrency: cores },
      target.sessionId,
    );
  });
  return {
    stop() {
      cdp.close();
      return [...watch.failures];
    },
  };
}

// Chromium writes the port it picked, and the browser target's path, into the profile.
function devToolsEndpoint(profile: string): string {
  const [port, path] = readFileSync(join(profile, 'DevToolsActivePort'), 'utf8').split('\n');
  return `ws://127.0.0.1:${port}${path}`;
}

const isAllowedFileAccess = (worker: Worker) =>
  worker.evaluate(() => chrome.extension.isAllowedFileSchemeAccess());

// The private API behind chrome://extensions' toggles (not in @types/chrome).
interface DeveloperPrivate {
  updateProfileConfiguration(update: { inDeveloperMode: boolean }): Promise<void>;
  updateExtensionConfiguration(update: { extensionId: string; fileAccess: boolean }): Promise<void>;
}

// Flips "Allow access to file URLs" as the user does on chrome://extensions, and returns the reloaded
// extension's worker. Developer mode goes on first: without it Chromium disables an unpacked extension it
// reloads ("unsupported developer extension") instead of starting it again.
async function setFileAccess(
  context: BrowserContext,
  worker: Worker,
  extensionId: string,
  allowed: boolean,
): Promise<Worker> {
  if ((await isAllowedFileAccess(worker)) === allowed) return worker;
  const page = await context.newPage();
  await page.goto('chrome://extensions');
  const reloaded = context.waitForEvent('serviceworker');
  await page.evaluate(
    async ({ extensionId, allowed }) => {
      const { developerPrivate } = chrome as unknown as { developerPrivate: DeveloperPrivate };
      await developerPrivate.updateProfileConfiguration({ inDeveloperMode: true });
      await developerPrivate.updateExtensionConfiguration({ extensionId, fileAccess: allowed });
    },
    { extensionId, allowed },
  );
  const next = await reloaded;
  await page.close();
  if ((await isAllowedFileAccess(next)) !== allowed) {
    throw new Error(`Could not turn file access ${allowed ? 'on' : 'off'} for the extension.`);
  }
  return next;
}

export interface Site {
  origin: string;
  close(): Promise<void>;
}

/** Serves test pages on loopback: path -> HTML, or another file with its type (a PDF). */
export async function serveSite(
  pages: Record<string, string | { type: string; body: Uint8Array }>,
): Promise<Site> {
  const server: Server = createServer((request, response) => {
    const page = pages[new URL(request.url ?? '/', 'http://x').pathname];
    if (page === undefined) {
      response.writeHead(404).end('Not found');
      return;
    }
    if (typeof page === 'string')
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    else response.writeHead(200, { 'content-type': page.type }).end(page.body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/**
 * Waits until the page has drawn its next two frames: the Markdown views draw streamed text at most once a
 * frame, so the last tokens appear on screen a frame after the state says done.
 */
export function afterNextFrames(page: Page): Promise<void> {
  return page.evaluate(
    () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
  );
}

/** Every state and status text a page's `status` element shows, however briefly. */
export interface StatusLog {
  states: string[];
  texts: string[];
}

/**
 * Starts recording the page's status element on every change: a fast run goes through its states quicker
 * than any polling sees. Returns a function that reads what was recorded so far.
 */
export async function recordStatus(page: Page): Promise<() => Promise<StatusLog>> {
  await page.evaluate(() => {
    const log = { states: [] as string[], texts: [] as string[] };
    (window as unknown as { statusLog: typeof log }).statusLog = log;
    new MutationObserver(() => {
      const status = document.querySelector('[data-testid="status"]');
      const state = status?.getAttribute('data-state') ?? '';
      const text = status?.textContent ?? '';
      if (state !== log.states.at(-1) || text !== log.texts.at(-1)) {
        log.states.push(state);
        log.texts.push(text);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  return () => page.evaluate(() => (window as unknown as { statusLog: StatusLog }).statusLog);
}
