import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { GECKO_ID } from '../../scripts/firefox-manifest';

/*
 * Firefox's production package as AMO would receive it: `npm test` runs `npm run build:firefox` first. Its
 * manifest is Chrome's, derived (scripts/firefox-manifest.ts); `web-ext lint` finds no error in it, and every
 * warning left is a known one, listed with its reason in the README ("Firefox: web-ext lint").
 */

const DIST = resolve('dist-firefox');
const manifest = () => JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8'));

interface LintMessage {
  code: string;
  file?: string;
  message: string;
}

/** The warnings web-ext lint gives on this package, each by its code and the file it is in. */
const KNOWN_WARNINGS: { code: string; file: RegExp; why: string }[] = [
  {
    code: 'KEY_FIREFOX_ANDROID_UNSUPPORTED_BY_MIN_VERSION',
    file: /^manifest\.json$/,
    why: 'data_collection_permissions needs Firefox for Android 142; Android is no target (no sidebar)',
  },
  { code: 'UNSAFE_VAR_ASSIGNMENT', file: /^assets\/theme-[\w-]+\.js$/, why: "Preact's innerHTML" },
  {
    code: 'UNSAFE_VAR_ASSIGNMENT',
    file: /^assets\/markdown-[\w-]+\.js$/,
    why: 'DOMPurify, and sanitized Markdown',
  },
  { code: 'UNSAFE_VAR_ASSIGNMENT', file: /^content\/index\.js$/, why: "Readability's own copies" },
  { code: 'DANGEROUS_EVAL', file: /^assets\/index\.ts-[\w-]+\.js$/, why: "ORT's Emscripten glue" },
  {
    code: 'UNSAFE_VAR_ASSIGNMENT',
    file: /^assets\/index\.ts-[\w-]+\.js$/,
    why: "ORT's import() of its .mjs, never taken",
  },
  { code: 'UNSUPPORTED_API', file: /^assets\/index\.ts-[\w-]+\.js$/, why: 'the threads tier, off here' },
  { code: 'DANGEROUS_EVAL', file: /^content\/pdf\.js$/, why: "pdf.js's probes and PostScript functions" },
  { code: 'UNSAFE_VAR_ASSIGNMENT', file: /^content\/pdf\.js$/, why: "pdf.js's import() of its worker" },
];

describe('the Firefox package', () => {
  test('its manifest is derived: background page, sidebar, gecko settings, no Chrome-only key', () => {
    const m = manifest();
    expect(m.background).toEqual({ scripts: [expect.stringMatching(/\.js$/)], type: 'module' });
    expect(m.sidebar_action.default_panel).toBe('sidepanel/index.html');
    expect(readdirSync(join(DIST, 'sidepanel'))).toContain('index.html');
    expect(m.browser_specific_settings.gecko).toEqual({
      id: GECKO_ID,
      strict_min_version: expect.stringMatching(/^\d+\.0$/),
      data_collection_permissions: { required: ['none'] },
    });
    for (const key of [
      'side_panel',
      'minimum_chrome_version',
      'cross_origin_embedder_policy',
      'cross_origin_opener_policy',
    ])
      expect(m).not.toHaveProperty(key);
    expect(m.permissions).not.toContain('sidePanel');
    expect(m.permissions).not.toContain('offscreen');
    // The same source as Chrome's: the same pages, strings and content script.
    expect(m.action.default_popup).toBe('popup/index.html');
    expect(m.content_scripts[0].js).toEqual(['content/index.js']);
  });

  test("has no test hook (the test build's menu click) and no offscreen page", () => {
    const scripts = readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter((name) =>
      name.endsWith('.js'),
    );
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter((name) => readFileSync(join(DIST, name), 'utf8').includes('pagewiseTest'))).toEqual(
      [],
    );
    expect(readdirSync(DIST)).not.toContain('offscreen');
  });

  test('web-ext lint: no error, and only the warnings the README lists', () => {
    let output: string;
    try {
      output = execFileSync(
        resolve('node_modules/.bin/web-ext'),
        ['lint', '--source-dir', DIST, '--output', 'json', '--no-config-discovery'],
        // web-ext would otherwise look for a newer web-ext on npm.
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } },
      );
    } catch (error) {
      // It exits 1 when it finds errors, and still prints its report.
      output = (error as { stdout?: string }).stdout ?? '';
    }
    const report = JSON.parse(output) as { errors: LintMessage[]; warnings: LintMessage[] };
    expect(report.errors.map(({ code, message }) => `${code}: ${message}`)).toEqual([]);
    const unknown = report.warnings.filter(
      ({ code, file }) => !KNOWN_WARNINGS.some((known) => known.code === code && known.file.test(file ?? '')),
    );
    expect(unknown.map(({ code, file, message }) => `${code} in ${file}: ${message}`)).toEqual([]);
    const readme = readFileSync('README.md', 'utf8');
    for (const { code } of KNOWN_WARNINGS) expect(readme).toContain(`\`${code}\``);
  }, 120_000);
});
