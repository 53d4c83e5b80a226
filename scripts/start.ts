/**
 * `npm start`: builds the extension and opens Chromium/Chrome with it loaded and a sample article open.
 * `npm start -- --firefox` builds Firefox's package instead and opens Firefox with it (`web-ext run`, a
 * temporary add-on in a fresh profile). `--offline` uses the test build instead (bundled random-weight
 * model, no download), to try the flows on a machine without internet. With no display it prints how to
 * load the build by hand.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { longArticleHtml } from '../test/support/article';
import {
  findChromium,
  findFirefox,
  INSTALL_CHROMIUM_HINT,
  INSTALL_FIREFOX_HINT,
  QUIET_CHROMIUM_FLAGS,
} from './browser';

const offline = process.argv.includes('--offline');
const firefox = process.argv.includes('--firefox');
const script = `build${offline ? ':test' : ''}${firefox ? ':firefox' : ''}`;
const build = spawnSync('npm', ['run', script], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const extensionDir = resolve(`dist${firefox ? '-firefox' : ''}${offline ? '-test' : ''}`);

const byHand = firefox
  ? `To load it by hand: open about:debugging#/runtime/this-firefox, choose "Load Temporary Add-on…" and select ${extensionDir}/manifest.json.`
  : `To load it by hand: open chrome://extensions, turn on Developer mode, choose "Load unpacked" and select ${extensionDir}.`;
const browser = firefox ? findFirefox() : findChromium();
const hasDisplay =
  process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
if (!browser || !hasDisplay) {
  console.log(`\nBuilt ${extensionDir}.`);
  const missing = firefox
    ? `No Firefox found. ${INSTALL_FIREFOX_HINT}`
    : `No Chrome or Chromium found. ${INSTALL_CHROMIUM_HINT}`;
  console.log(browser ? 'No display to open a browser on.' : missing);
  console.log(byHand);
  process.exit(0);
}

const article = longArticleHtml('The harbour, sixty years on', 6_000);
const server = createServer((_, response) => {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(article);
});
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/harbour`;
  console.log(`\nOpening ${browser} with ${extensionDir} loaded and a sample article at ${url}`);
  console.log('Click the Pagewise icon in the toolbar (pin it from the puzzle-piece menu), then Summarize.');
  const child = firefox
    ? // web-ext installs the package as a temporary add-on in a fresh profile, and reloads it on a rebuild.
      spawn(
        resolve('node_modules/.bin/web-ext'),
        [
          'run',
          '--source-dir',
          extensionDir,
          '--firefox',
          browser,
          '--start-url',
          url,
          '--no-config-discovery',
        ],
        { stdio: 'inherit', env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } },
      )
    : spawn(
        browser,
        [
          `--user-data-dir=${mkdtempSync(join(tmpdir(), 'pagewise-start-'))}`,
          `--disable-extensions-except=${extensionDir}`,
          `--load-extension=${extensionDir}`,
          ...QUIET_CHROMIUM_FLAGS.filter((flag) => offline || flag !== '--disable-background-networking'),
          // Chromium refuses to run as root with its sandbox (containers, CI machines).
          ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
          url,
        ],
        { stdio: 'inherit' },
      );
  child.on('exit', () => server.close());
  child.on('error', (error) => {
    console.error(`Could not start ${browser}: ${error.message}\n${byHand}`);
    server.close();
  });
});
