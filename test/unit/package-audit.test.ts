import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';

/*
 * Audits the production package as users install it: `npm test` runs `npm run build` first. A sealed package
 * names no host but the model hub's, lets no web page or other extension talk to it, exposes no file to web
 * pages, and may only connect to itself and the hub.
 */

const DIST = resolve('dist');

/**
 * Where the extension may connect beyond itself: the CSP's `connect-src` is `'self'` and exactly these, and
 * a URL on these hosts may appear anywhere in the package. CSP source syntax (`*.` any subdomain, `:*` any
 * port). The local-server tier's loopback origins are among them (already within the http host permission).
 */
const CONNECT_ORIGINS = [
  // The Hugging Face hub, and the hosts its downloads redirect to (its CDN and storage).
  'https://huggingface.co',
  'https://*.huggingface.co',
  'https://*.hf.co',
  // A model server on this computer (the local-server tier): loopback only, any port; never another host.
  'http://127.0.0.1:*',
  'http://localhost:*',
  'http://[::1]:*',
];

/**
 * Every other URL in the package, listed exactly (no pattern), with why it is there: none is ever fetched.
 * The WASM runtime's binary is read like the rest: its URLs are ONNX operators' documentation.
 */
const NAMED_URLS: Record<string, string> = {
  'http://www.w3.org/2000/svg': "SVG's XML namespace (Preact, DOMPurify): a name, not an address",
  'http://www.w3.org/1999/xhtml': "XHTML's XML namespace (DOMPurify)",
  'http://www.w3.org/1998/Math/MathML': "MathML's XML namespace (DOMPurify)",
  'http://':
    "marked's prefix for a `www.` autolink: a link in rendered Markdown, which the extension never opens",
  'https://github.com/markedjs/marked': "marked's error message: report a bug there",
  'https://rolldown.rs/in-depth/bundling-cjs#require-external-modules':
    "the bundler's error message for a `require` it could not bundle",
  'https://web.dev/cross-origin-isolation-guide/': "ORT's warning when a page is not cross-origin isolated",
  'https://github.com/huggingface/transformers.js/issues/new/choose': "transformers.js's error message",
  'https://gist.github.com/hollance/42e32852f24243b748ae6bc1f985b13a':
    "transformers.js's error message about Whisper timestamps",
  'https://developer.mozilla.org/en-US/docs/Web/API/Cache':
    "transformers.js's error message about a custom cache",
  'file://': 'ORT checks whether it was loaded from a file (Node)',
  'chrome://': 'the message for pages extensions cannot read ("like chrome://")',
  'chrome://newtab': 'new-tab pages are told apart from pages that cannot be read (src/text/restricted.ts)',
  'chrome://new-tab-page': 'a new-tab page, as above',
  'chrome-search://local-ntp/local-ntp.html': 'a new-tab page, as above',
  'edge://newtab': 'a new-tab page, as above',
  'brave://newtab': 'a new-tab page, as above',
  'opera://startpage': 'a new-tab page, as above',
  'vivaldi://startpage': 'a new-tab page, as above',
  'chrome://extensions/shortcuts': "Settings opens Chrome's page for changing the keyboard shortcut",
  'http://*/*': 'a match pattern: the content script and its host permission (below)',
  'https://*/*': 'a match pattern, as above',
  'file:///*': 'a match pattern, as above',
  'http://127.0.0.1:*': "a CSP source: connect-src's loopback origins (CONNECT_ORIGINS), any port",
  'http://localhost:*': 'a CSP source, as above',
  'https://arxiv.org/abs/1502.03167': "ORT's WASM: ONNX operator documentation (BatchNormalization)",
  'https://ieeexplore.ieee.org/document/1163711': "ORT's WASM: ONNX operator documentation (Resize)",
  'https://tinyurl.com/sudb9s96': "ORT's WASM: operator documentation (attention's scale)",
  'https://github.com/google/re2/wiki/Syntax': "ORT's WASM: operator documentation (Tokenizer)",
  'https://docs.nvidia.com/cuda/cublas/index.html#cublasLtOrder_t': "ORT's WASM: operator documentation",
  // The PDF reader (content/pdf.js, pdf.js's legacy build, injected into PDF tabs only).
  'http://ns.adobe.com/xdp/': "pdf.js: XFA forms' XML namespace",
  'http://ns.adobe.com/xdp/pdf/': 'pdf.js: an XFA namespace, as above',
  'http://ns.adobe.com/xfdf/': 'pdf.js: an XFA namespace, as above',
  'http://ns.adobe.com/xmpmeta/': "pdf.js: XMP metadata's XML namespace",
  'http://www.w3.org/1999/XSL/Transform': 'pdf.js: an XML namespace it recognises in XFA',
  'http://www.w3.org/2000/09/xmldsig#': 'pdf.js: an XML namespace it recognises in XFA',
  'http://www.xfa.org/schema/xci/': 'pdf.js: an XFA namespace',
  'http://www.xfa.org/schema/xdc/': 'pdf.js: an XFA namespace',
  'http://www.xfa.org/schema/xfa-connection-set/': 'pdf.js: an XFA namespace',
  'http://www.xfa.org/schema/xfa-data/': 'pdf.js: an XFA namespace',
  'http://www.xfa.org/schema/xfa-data/1.0/': 'pdf.js: an XFA namespace',
  'http://www.xfa.org/schema/xfa-form/': 'pdf.js: an XFA namespace',
  'http://www.xfa.org/schema/xfa-locale-set/': 'pdf.js: an XFA namespace',
  'http://www.xfa.org/schema/xfa-source-set/': 'pdf.js: an XFA namespace',
  'http://www.xfa.org/schema/xfa-template/': 'pdf.js: an XFA namespace',
  'http://$': "pdf.js: a pattern it uses to tell a link's scheme",
  'http://example.com': 'pdf.js: the base it parses relative URLs against (never fetched)',
  'https://github.com/zloirock/core-js': "core-js's banner, in pdf.js's legacy build",
  'https://github.com/zloirock/core-js/blob/v3.47.0/LICENSE': "core-js's licence, as above",
  // core-js tests the browser's URL parser on these literals before deciding to polyfill it; read as latin1.
  'https://a': 'core-js: a URL parser test',
  'https://a#\u00d0\u00b1': 'core-js: a URL parser test (a UTF-8 fragment)',
  'https://a/c%20d?a=1&c=3': 'core-js: a URL parser test',
  'https://a@b': 'core-js: a URL parser test',
  'https://foo.bar': 'core-js: a URL parser test',
  'https://x': 'core-js: a URL parser test',
  'https://\u00d1\u0082\u00d0\u00b5\u00d1\u0081\u00d1\u0082': 'core-js: a URL parser test (an IDN host)',
};

/** The PDF reader's bundle (src/handlers/pdf-reader.ts injects it) and what PDF support may add to dist/. */
const PDF_READER = 'content/pdf.js';
const PDF_SUPPORT_MAX_BYTES = 5_000_000;

/** The whole CSP for extension pages, directive by directive. */
const CSP: Record<string, string[]> = {
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'object-src': ["'self'"],
  // `file:`: the worker reads a file:// PDF for its tab, which cannot fetch its own file (issue 20); Chrome
  // lets it only with "Allow access to file URLs" on.
  'connect-src': ["'self'", 'file:', ...CONNECT_ORIGINS],
};

/**
 * Every API permission the manifest asks for, required or optional, and why (the README's "Permissions, and
 * why" says the same).
 */
const PERMISSION_REASONS: Record<string, string> = {
  storage: 'session storage for the last summary of a tab and a pending right-click ask; settings',
  contextMenus: 'the right-click entries on a selection',
  sidePanel: 'the chat lives in the side panel',
  scripting:
    'adds the content script to tabs open before the extension was installed, and the PDF reader to PDF tabs',
  activeTab: 'the toolbar and keyboard entry points on the current tab',
  unlimitedStorage: 'model files are hundreds of MB to GB; without it they may be refused or evicted',
  offscreen: 'the document that runs the model on WASM threads (a service worker cannot start workers)',
  alarms: 'closes that document when idle: a timer dies with the worker, an alarm does not',
  declarativeNetRequestWithHostAccess:
    "one rule removing Origin from the extension's own requests to the connected local server (Ollama refuses extension origins), and from no one else's",
};

/** Every host the manifest reaches, by host permission (required or optional) or content script, and why. */
const HOST_REASONS: Record<string, string> = {
  'http://*/*':
    'reading the page asked about on any web page, tabs switched to in the side panel included (activeTab covers only the current one)',
  'https://*/*': 'as above',
  'file:///*': 'as above, for local files, once the user allows file access',
};

interface Manifest {
  permissions?: string[];
  optional_permissions?: string[];
  host_permissions?: string[];
  optional_host_permissions?: string[];
  content_scripts?: { js?: string[]; matches?: string[] }[];
  web_accessible_resources?: unknown[];
  externally_connectable?: { ids?: string[]; matches?: string[] };
  content_security_policy?: Record<string, string>;
  sandbox?: unknown;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/**
 * Every URL in `text`: a scheme and `//` up to a character no URL in code holds, or a host after a bare
 * `//` (joined to a scheme at run time). A sentence's full stop is not part of it.
 */
function urlsIn(text: string): string[] {
  const found = text.match(
    /[a-z][a-z\d+.-]*:\/\/[^\s"'`<>()[\]{}\\,;|^]*|(?<![\w:/])\/\/[a-z\d-]+(?:\.[a-z\d-]+)+/gi,
  );
  return (found ?? []).map((url) => url.replace(/\.+$/, ''));
}

/** Whether `url` is on one of `sources` (CSP host sources, as in CONNECT_ORIGINS). */
function onOrigin(url: string, sources: string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return sources.some((source) => {
    const [, scheme, wildcard, host, port] =
      /^([a-z]+:)\/\/(\*\.)?(\[[^\]]+\]|[^:/]+)(?::(\d+|\*))?$/.exec(source) ?? [];
    if (parsed.protocol !== scheme || host === undefined) return false;
    const hostMatches = wildcard ? parsed.hostname.endsWith(`.${host}`) : parsed.hostname === host;
    return hostMatches && (port === '*' || parsed.port === (port ?? ''));
  });
}

/** The CSP's directives, in order: name and sources. */
function directives(policy: string): [string, string[]][] {
  return policy
    .split(';')
    .map((part) => part.trim().split(/\s+/))
    .filter((words): words is [string, ...string[]] => words[0] !== undefined && words[0] !== '')
    .map(([name, ...sources]) => [name, sources]);
}

let manifest: Manifest;
/** Every URL in the package, by file (relative to dist/). */
let urls: Map<string, string[]>;

beforeAll(() => {
  if (!existsSync(join(DIST, 'manifest.json')))
    throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  manifest = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8')) as Manifest;
  // latin1 reads any byte as one character: binary files (the WASM runtime, icons) are searched too.
  urls = new Map(
    filesUnder(DIST).map((file) => [relative(DIST, file), urlsIn(readFileSync(file, 'latin1'))] as const),
  );
});

describe('the production package', () => {
  test('every URL in every file is on the hub or listed with its reason, the WASM runtime included', () => {
    expect([...urls.keys()].some((file) => file.endsWith('.wasm'))).toBe(true);
    const unexplained = [...urls].flatMap(([file, found]) =>
      found
        .filter((url) => !onOrigin(url, CONNECT_ORIGINS) && !Object.hasOwn(NAMED_URLS, url))
        .map((url) => `${file}: ${url}`),
    );
    expect(unexplained).toEqual([]);
  });

  test('every listed URL is still in the package: the list allows nothing the package does not need', () => {
    const all = new Set([...urls.values()].flat());
    expect(Object.keys(NAMED_URLS).filter((url) => !all.has(url))).toEqual([]);
    // The hub is named: the downloader's address for model files.
    expect([...all].some((url) => onOrigin(url, CONNECT_ORIGINS))).toBe(true);
  });

  test('externally_connectable lets no web page and no other extension connect', () => {
    expect(manifest.externally_connectable).toEqual({ ids: [], matches: [] });
  });

  test('no resource is web-accessible, to anyone, in any form', () => {
    expect(manifest.web_accessible_resources ?? []).toEqual([]);
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

  test('the PDF reader is injected into PDF tabs only: never declared, self-contained, within its 5 MB', () => {
    const declared = (manifest.content_scripts ?? []).flatMap((script) => script.js ?? []);
    expect(declared).not.toContain(PDF_READER);
    const reader = readFileSync(join(DIST, PDF_READER), 'utf8');
    // One IIFE (pdf.js's own `import(workerSrc)` never runs: its worker is bundled in, see content/pdf.ts).
    expect(reader).not.toMatch(/^\s*import\s|\bexport\s*\{|runtime\.getURL/m);
    expect(reader).toContain('WorkerMessageHandler');
    // Nothing else carries pdf.js: not the declared content script, not the worker, not the pages.
    const withPdfJs = filesUnder(DIST)
      .filter((file) => file.endsWith('.js') && readFileSync(file, 'utf8').includes('WorkerMessageHandler'))
      .map((file) => relative(DIST, file));
    expect(withPdfJs).toEqual([PDF_READER]);
    expect(declared.length).toBeGreaterThan(0);
    // The cMaps CJK text needs, read by the worker and sent over messaging (not web-accessible, above).
    for (const cMap of ['UniJIS-UCS2-H.bcmap', 'Adobe-Japan1-UCS2.bcmap', 'LICENSE'])
      expect(existsSync(join(DIST, 'pdf/cmaps', cMap)), cMap).toBe(true);
    const bytes = [join(DIST, PDF_READER), ...filesUnder(join(DIST, 'pdf'))].reduce(
      (sum, file) => sum + statSync(file).size,
      0,
    );
    expect(bytes).toBeLessThanOrEqual(PDF_SUPPORT_MAX_BYTES);
  });

  test('the whole CSP, directive by directive: only packaged code, connections only to itself, the hub, files and loopback', () => {
    // No sandboxed pages, which would run under a policy of their own.
    expect(Object.keys(manifest.content_security_policy ?? {})).toEqual(['extension_pages']);
    expect(manifest.sandbox).toBeUndefined();
    const policy = directives(manifest.content_security_policy?.extension_pages ?? '');
    // A repeated directive is ignored by the browser, but would hide here behind the first.
    expect(new Set(policy.map(([name]) => name)).size).toBe(policy.length);
    expect(Object.fromEntries(policy)).toEqual(CSP);
  });

  test('every permission, required or optional, has its reason, and every reason its permission', () => {
    const asked = [...(manifest.permissions ?? []), ...(manifest.optional_permissions ?? [])];
    expect(asked.sort()).toEqual(Object.keys(PERMISSION_REASONS).sort());
  });

  test('every host reached, by permission or content script, has its reason, and every reason its host', () => {
    const hosts = new Set([
      ...(manifest.host_permissions ?? []),
      ...(manifest.optional_host_permissions ?? []),
      ...(manifest.content_scripts ?? []).flatMap((script) => script.matches ?? []),
    ]);
    expect([...hosts].sort()).toEqual(Object.keys(HOST_REASONS).sort());
  });
});
