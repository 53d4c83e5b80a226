import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { longArticleHtml } from '../support/article';
import { runAxe } from './axe';
import { afterNextFrames, type Browser, launchBrowser, type Site, serveSite } from './harness';

/*
 * The UI in the reader's language, by keyboard alone, checked by axe: in real Chromium started in German
 * (the longest catalogue for the popup) and in Arabic (right to left). Screenshots of the popup go to
 * PAGEWISE_SHOTS when it is set.
 */

type Catalogue = Record<string, { message: string }>;
const catalogue = (locale: string): Catalogue =>
  JSON.parse(readFileSync(join('_locales', locale, 'messages.json'), 'utf8')) as Catalogue;
const say = (messages: Catalogue, key: string, ...params: string[]) =>
  (messages[key]?.message ?? key).replace(/\$([1-9])/g, (_, n: string) => params[Number(n) - 1] ?? '');

/** The locale whose popup strings are longest in all: the one most likely to overflow the 400 px popup. */
function longestPopupLocale(): string {
  const popupKeys = /^(popup|common|status|progress|length)_/;
  const total = (locale: string) =>
    Object.entries(catalogue(locale))
      .filter(([key]) => popupKeys.test(key))
      .reduce((sum, [, { message }]) => sum + message.length, 0);
  return readdirSync('_locales').sort((a, b) => total(b) - total(a))[0] ?? 'en';
}

const SHOTS = process.env.PAGEWISE_SHOTS;
const state = (page: Page) => page.getByTestId('status').getAttribute('data-state');

/** Presses Tab until `testId` has the focus; returns the test ids (or tags) focused on the way. */
async function tabTo(page: Page, testId: string, limit = 40): Promise<string[]> {
  const visited: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => {
      const active = document.activeElement;
      return active?.getAttribute('data-testid') ?? active?.tagName.toLowerCase() ?? '';
    });
    visited.push(at);
    if (at === testId) return visited;
  }
  throw new Error(`Tab never reached ${testId}: ${visited.join(' > ')}`);
}

/** The focused element draws a visible focus ring (an outline of some width, not `none`). */
const focusRing = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement;
    if (!active) return null;
    const style = getComputedStyle(active);
    return style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
  });

/** Elements whose content is wider than their box (text cut or spilling), and the page's own overflow. */
const overflowing = (page: Page) =>
  page.evaluate(() => {
    const found: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth + 1) found.push('the page scrolls sideways');
    for (const element of document.querySelectorAll<HTMLElement>('.app *')) {
      const style = getComputedStyle(element);
      if (style.display === 'none' || element.clientWidth === 0 || element.classList.contains('sr-only'))
        continue;
      if (['auto', 'scroll'].includes(style.overflowX)) continue;
      if (element.scrollWidth > element.clientWidth + 1)
        found.push(
          `${element.tagName.toLowerCase()}.${element.className}: ${element.textContent?.slice(0, 60)}`,
        );
    }
    return found;
  });

let site: Site;
beforeAll(async () => {
  site = await serveSite({ '/article': longArticleHtml('The harbour, sixty years on', 1_200) });
});
afterAll(async () => site?.close());

describe('in German, the longest popup catalogue', () => {
  const lang = 'de';
  const de = catalogue(lang);
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser(undefined, undefined, { lang });
  });
  afterAll(async () => browser?.close());

  test('the popup by keyboard alone: summarize, stop, summarize, export; nothing overflows; axe finds nothing serious', async () => {
    expect(longestPopupLocale()).toBe(lang);
    const { tabId } = await browser.openTab(`${site.origin}/article`);
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await popup.setViewportSize({ width: 400, height: 600 });
    expect(await popup.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(
      ['de', 'ltr'],
    );
    await expect.poll(() => popup.getByTestId('summarize').textContent()).toBe(say(de, 'popup_summarize'));
    expect(await popup.locator('footer').textContent()).toBe(say(de, 'common_privacy_footer'));
    expect(await popup.getByTestId('status').textContent()).toBe(say(de, 'status_ready'));

    // Settings, the three lengths (one stop: a radio group), then Summarize.
    const order = await tabTo(popup, 'summarize');
    expect(order).toEqual(['open-settings', 'input', 'summarize']);
    expect(await focusRing(popup)).toBe(true);
    await popup.keyboard.press('Enter');
    await expect.poll(() => popup.getByTestId('stop').count(), { timeout: 60_000 }).toBe(1);
    // Stop comes right after Summarize (disabled while busy, so the focus moves on to Stop).
    await popup.getByTestId('stop').focus();
    await popup.keyboard.press('Enter');
    await expect.poll(() => state(popup), { timeout: 30_000 }).toBe('idle');

    await popup.getByTestId('summarize').focus();
    await popup.keyboard.press('Enter');
    await expect.poll(() => state(popup), { timeout: 120_000 }).toBe('done');
    await afterNextFrames(popup);
    expect(await popup.getByTestId('status').textContent()).toBe(say(de, 'status_done_engine', 'WASM'));
    expect(await popup.getByTestId('export').textContent()).toBe(say(de, 'common_export'));
    expect(await overflowing(popup)).toEqual([]);

    await tabTo(popup, 'export');
    expect(await focusRing(popup)).toBe(true);
    const download = popup.waitForEvent('download');
    await popup.keyboard.press('Enter');
    const file = await download;
    const text = readFileSync((await file.path()) ?? '', 'utf8');
    expect(file.suggestedFilename()).toMatch(/^The-harbour-sixty-years-on-\d{4}-\d\d-\d\d\.md$/);
    expect(text).toMatch(
      /^# The harbour, sixty years on\n\n\*Zusammenfassung\*\n\n- Seite: <http:\/\/127\.0\.0\.1:\d+\/article>\n- Datum: .+\n- Modell: .+\n- Engine: WASM\n\n\S/,
    );
    expect(text).not.toMatch(/<(script|img|iframe)/i);

    if (SHOTS) await popup.screenshot({ path: join(SHOTS, 'popup-de.png') });
    for (const scheme of ['light', 'dark'] as const) {
      await popup.emulateMedia({ colorScheme: scheme });
      const report = await runAxe(popup);
      console.log(`axe popup (de, ${scheme}): ${JSON.stringify(report.counts)}`);
      expect(report.serious).toEqual([]);
    }
  });

  test('the panel by keyboard alone: ask, send, stop, regenerate, copy, a source, export; history; axe', async () => {
    const { page, tabId } = await browser.openTab(`${site.origin}/article`);
    const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    await expect
      .poll(() => panel.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('chat-input');
    expect(await panel.getByTestId('chat-input').getAttribute('placeholder')).toBe(
      say(de, 'chat_placeholder_page'),
    );

    // Ask and stop: Stop sits right after the question box while an answer is written.
    await panel.keyboard.type('Wie viele Besucher kommen jedes Jahr?');
    await panel.keyboard.press('Enter');
    // Stopped once the answer shows its first words, so an unfinished answer stays to regenerate.
    await expect
      .poll(() => panel.locator('[data-testid="chat-message"][data-role="assistant"]').count(), {
        timeout: 60_000,
      })
      .toBe(1);
    await panel.getByTestId('chat-input').focus();
    await panel.keyboard.press('Tab');
    expect(await panel.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('stop');
    await panel.keyboard.press('Enter');
    await expect.poll(() => state(panel), { timeout: 30_000 }).toBe('idle');

    // Regenerate, by keyboard, writes the answer whole.
    await tabTo(panel, 'regenerate');
    await panel.keyboard.press('Enter');
    await expect.poll(() => state(panel), { timeout: 120_000 }).toBe('done');
    await afterNextFrames(panel);
    expect(await panel.getByTestId('status').textContent()).toBe(say(de, 'status_done_engine', 'WASM'));
    await expect.poll(() => panel.getByTestId('source').count()).toBeGreaterThan(0);
    // The whole answer was announced (politely, outside the streamed text).
    expect((await panel.getByTestId('announcer').textContent())?.length).toBeGreaterThan(0);

    // A source by Enter shows the passage on the page.
    await panel.getByTestId('chat-input').focus();
    await tabTo(panel, 'source');
    expect(await focusRing(panel)).toBe(true);
    await panel.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => CSS.highlights.has('pagewise-source'))).toBe(true);

    // Copy by keyboard puts the answer's Markdown, with its sources, on the clipboard. Chromium grants no
    // clipboard-read to an extension's origin: what is written is recorded on the way through.
    await panel.evaluate(() => {
      const write = navigator.clipboard.writeText.bind(navigator.clipboard);
      navigator.clipboard.writeText = (text: string) => {
        (window as unknown as { copied: string }).copied = text;
        return write(text);
      };
    });
    await tabTo(panel, 'copy');
    await panel.keyboard.press('Enter');
    await expect.poll(() => panel.getByTestId('copy').textContent()).toBe(say(de, 'common_copied'));
    const copied = await panel.evaluate(() => (window as unknown as { copied?: string }).copied);
    expect(copied).toContain(`**${say(de, 'export_sources')}**\n\n> **`);

    const report = await runAxe(panel);
    console.log(
      `axe panel with an answer and sources (de): ${JSON.stringify(report.counts)} ${report.rules.join(', ')}`,
    );
    expect(report.serious).toEqual([]);

    // Export of the chat: its questions, its answer and the answer's sources as quotes.
    await tabTo(panel, 'export');
    const download = panel.waitForEvent('download');
    await panel.keyboard.press('Enter');
    const text = readFileSync((await (await download).path()) ?? '', 'utf8');
    const sources = await panel.getByTestId('source').locator('.source__excerpt').allTextContents();
    expect(text).toMatch(
      /^# The harbour, sixty years on\n\n\*Chat\*\n\n- Seite: <http:\/\/127\.0\.0\.1:\d+\/article>\n/,
    );
    expect(text).toContain(`## ${say(de, 'export_question')}\n\nWie viele Besucher kommen jedes Jahr?`);
    expect(text).toContain(`## ${say(de, 'export_answer')}\n\n`);
    expect(text).toContain(`**${say(de, 'export_sources')}**`);
    const firstWords = (sources[0] ?? '').split(/\s+/).slice(0, 4).join(' ');
    expect(firstWords.length).toBeGreaterThan(0);
    expect(text).toMatch(new RegExp(`\\n> [^\\n]*${firstWords.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    // History by keyboard: its heading takes the focus; Export all downloads every chat in one file.
    await tabTo(panel, 'history');
    await panel.keyboard.press('Enter');
    await expect.poll(() => panel.evaluate(() => document.activeElement?.id)).toBe('history-heading');
    expect(await panel.locator('#history-heading').textContent()).toBe(say(de, 'history_heading'));
    await tabTo(panel, 'export-all');
    const all = panel.waitForEvent('download');
    await panel.keyboard.press('Enter');
    const everything = readFileSync((await (await all).path()) ?? '', 'utf8');
    expect(
      everything.startsWith(`# ${say(de, 'export_all_title')}\n\n## The harbour, sixty years on\n`),
    ).toBe(true);
  });

  test('Settings by keyboard: each shortcut named by what it does, in German; axe finds nothing serious', async () => {
    const settings = await browser.openExtensionPage('options/index.html');
    await expect.poll(() => settings.getByTestId('shortcut').locator('li').count()).toBeGreaterThan(1);
    const shortcuts = await settings.getByTestId('shortcut').locator('li').allTextContents();
    expect(shortcuts.join('\n')).not.toContain('_execute_action');
    expect(shortcuts.some((s) => s.startsWith(say(de, 'command_execute_action')))).toBe(true);
    expect(shortcuts.some((s) => s.startsWith(say(de, 'command_open_side_panel')))).toBe(true);
    await expect.poll(() => settings.getByTestId('engine-select').count()).toBe(1);
    await tabTo(settings, 'engine-select');
    expect(await focusRing(settings)).toBe(true);
    await tabTo(settings, 'default-length');
    await settings.keyboard.press('ArrowDown');
    await tabTo(settings, 'answer-language');
    for (const scheme of ['light', 'dark'] as const) {
      await settings.emulateMedia({ colorScheme: scheme });
      const report = await runAxe(settings);
      console.log(
        `axe settings (de, ${scheme}): ${JSON.stringify(report.counts)} ${report.rules.join(', ')}`,
      );
      expect(report.serious).toEqual([]);
    }
  });
});

describe('in Arabic, right to left', () => {
  const ar = catalogue('ar');
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser(undefined, undefined, { lang: 'ar' });
  });
  afterAll(async () => browser?.close());

  test('popup and panel read right to left, in the catalogue’s words, and nothing overflows', async () => {
    const { tabId } = await browser.openTab(`${site.origin}/article`);
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await popup.setViewportSize({ width: 400, height: 600 });
    expect(await popup.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(
      ['ar', 'rtl'],
    );
    await expect.poll(() => popup.getByTestId('summarize').textContent()).toBe(say(ar, 'popup_summarize'));
    // Right to left: the brand starts at the right edge, Settings sits to its left.
    const brand = await popup.locator('.brand').boundingBox();
    const settingsLink = await popup.getByTestId('open-settings').boundingBox();
    expect((brand?.x ?? 0) + (brand?.width ?? 0)).toBeGreaterThan(300);
    expect(settingsLink?.x ?? 400).toBeLessThan(brand?.x ?? 0);
    expect(await overflowing(popup)).toEqual([]);
    if (SHOTS) await popup.screenshot({ path: join(SHOTS, 'popup-ar.png') });
    const report = await runAxe(popup);
    console.log(`axe popup (ar): ${JSON.stringify(report.counts)} ${report.rules.join(', ')}`);
    expect(report.serious).toEqual([]);

    const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    expect(await panel.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await expect.poll(() => panel.getByTestId('new-chat').textContent()).toBe(say(ar, 'panel_new_chat'));
    expect(await panel.getByTestId('chat-input').getAttribute('placeholder')).toBe(
      say(ar, 'chat_placeholder_page'),
    );
    expect(await panel.getByTestId('chat-send').textContent()).toBe(say(ar, 'chat_send'));
    expect(
      await panel.evaluate(() => getComputedStyle(document.querySelector('.app') as Element).direction),
    ).toBe('rtl');
  });
});
