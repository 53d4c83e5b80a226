import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';

/*
 * Audits the production package as users install it: `npm test` runs `npm run build` first. A sealed package
 * names no CDN, lets no web page or other extension talk to it, exposes no file to web pages, and may only
 * connect to itself and the model hub.
 */

const DIST = resolve('dist');

/** Hosts that serve code or fonts: their names in the package read as remote code to store review. */
const REMOTE_CODE_HOSTS =
  /cdn\.jsdelivr\.net|jsdelivr\.com|unpkg\.com|cdnjs\.cloudflare\.com|esm\.sh|esm\.run|skypack\.dev|jspm\.io|fonts\.googleapis\.com|fonts\.gstatic\.com|ajax\.googleapis\.com/;

/** Where the extension may connect: itself, and the Hugging Face hub with the hosts its downloads redirect to. */
const CONNECT_SRC = ["'self'", 'https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co'];

/** Every permission the manifest asks for, and why (the README's "Permissions, and why" says the same). */
const PERMISSION_REASONS: Record<string, string> = {
  storage: 'session storage for the last summary of a tab and a pending right-click ask; settings',
  contextMenus: 'the right-click entries on a selection',
  sidePanel: 'the chat lives in the side panel',
  scripting: 'adds the content script to tabs open before the extension was installed',
  activeTab: 'the toolbar and keyboard entry points on the current tab',
  unlimitedStorage: 'model files are hundreds of MB to GB; without it they may be refused or evicted',
  offscreen: 'the document that runs the model on WASM threads (a service worker cannot start workers)',
  alarms: 'closes that document when idle: a timer dies with the worker, an alarm does not',
};

interface Manifest {
  permissions?: string[];
  content_scripts?: { js?: string[]; matches?: string[] }[];
  web_accessible_resources?: { resources: string[]; matches?: string[]; use_dynamic_url?: boolean }[];
  externally_connectable?: { ids?: string[]; matches?: string[] };
  content_security_policy?: { extension_pages?: string };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** The CSP's directives: name -> sources. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words): words is [string, ...string[]] => words[0] !== undefined && words[0] !== '')
      .map(([name, ...sources]) => [name, sources]),
  );
}

let manifest: Manifest;

beforeAll(() => {
  if (!existsSync(join(DIST, 'manifest.json')))
    throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  manifest = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8')) as Manifest;
});

describe('the production package', () => {
  test('no file names a CDN, the WASM runtime included', () => {
    const files = filesUnder(DIST);
    expect(files.some((file) => file.endsWith('.wasm'))).toBe(true);
    const remote = files
      // latin1 reads any byte: binary files are searched too.
      .filter((file) => REMOTE_CODE_HOSTS.test(readFileSync(file, 'latin1')))
      .map((file) => relative(DIST, file));
    expect(remote).toEqual([]);
  });

  test('externally_connectable lets no web page and no other extension connect', () => {
    expect(manifest.externally_connectable).toEqual({ ids: [], matches: [] });
  });

  test('no resource is web-accessible to web pages', () => {
    const exposed = (manifest.web_accessible_resources ?? []).filter(
      (entry) => (entry.matches?.length ?? 0) > 0 && entry.use_dynamic_url !== true,
    );
    expect(exposed).toEqual([]);
  });

  test('each content script is one self-contained file: no loader, no chunks to import', () => {
    const scripts = (manifest.content_scripts ?? []).flatMap((script) => script.js ?? []);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      const code = readFileSync(join(DIST, script), 'utf8');
      // An IIFE has no static imports; a crxjs loader imports its chunk through runtime.getURL.
      expect(code, script).not.toMatch(/\bimport\s*\(|^\s*import\s|\bexport\s*\{|runtime\.getURL/m);
      expect(code.length, script).toBeGreaterThan(10_000);
    }
  });

  test('the CSP runs only packaged code and connects only to the extension and the model hub', () => {
    const policy = directives(manifest.content_security_policy?.extension_pages ?? '');
    expect(policy.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(policy.get('object-src')).toEqual(["'self'"]);
    expect(policy.get('connect-src')).toEqual(CONNECT_SRC);
  });

  test('every permission has a reason', () => {
    const unexplained = (manifest.permissions ?? []).filter((permission) => !PERMISSION_REASONS[permission]);
    expect(unexplained).toEqual([]);
  });
});
