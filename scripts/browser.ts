import { existsSync } from 'node:fs';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** The first of `paths` that exists (the environment's choice first). */
const firstExisting = (paths: readonly (string | undefined)[]): string | undefined =>
  paths.find((path): path is string => Boolean(path && existsSync(path)));

/** A Chrome or Chromium binary: `CHROMIUM_PATH` if set, else the usual install locations. */
export function findChromium(): string | undefined {
  return firstExisting([process.env.CHROMIUM_PATH, ...CANDIDATES]);
}

export const INSTALL_CHROMIUM_HINT =
  'Install one (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set CHROMIUM_PATH to a Chrome or Chromium binary.';

/** Flags that keep a scripted Chromium quiet and offline-friendly (no sync, updates or background fetches). */
export const QUIET_CHROMIUM_FLAGS = [
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

const FIREFOX_CANDIDATES = [
  '/usr/bin/firefox-esr',
  '/usr/bin/firefox',
  '/Applications/Firefox.app/Contents/MacOS/firefox',
];

/** A Firefox binary: `FIREFOX_PATH` if set, else the usual install locations (Debian's ESR first). */
export function findFirefox(): string | undefined {
  return firstExisting([process.env.FIREFOX_PATH, ...FIREFOX_CANDIDATES]);
}

export const INSTALL_FIREFOX_HINT =
  'Install one (Debian/Ubuntu: `sudo apt-get install -y firefox-esr`) or set FIREFOX_PATH to a Firefox binary.';

/**
 * Prefs that switch off Firefox's own background traffic in a scripted profile, so that what the network
 * sees is the extension's (README, "Testing in Firefox"): its settings service and blocklist, ads tiles and
 * new-tab feeds, telemetry, captive-portal and connectivity checks, Safe Browsing, add-on and system updates,
 * its own on-device AI models, and speculative connections.
 */
export const QUIET_FIREFOX_PREFS: Record<string, string | number | boolean> = {
  'services.settings.server': 'data:,',
  'extensions.blocklist.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.newtabpage.activity-stream.feeds.topsites': false,
  'browser.newtabpage.activity-stream.feeds.section.topstories': false,
  'browser.newtabpage.activity-stream.showSponsoredTopSites': false,
  'browser.topsites.contile.enabled': false,
  'toolkit.telemetry.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'app.update.auto': false,
  'app.normandy.enabled': false,
  'browser.ml.enable': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.http.speculative-parallel-limit': 0,
};

/** The environment that lets a release build of Firefox take `services.settings.server` from the prefs. */
export const QUIET_FIREFOX_ENV = { MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' };
