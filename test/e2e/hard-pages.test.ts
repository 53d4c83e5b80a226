import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PageContent } from '../../src/protocol';
import { MAX_PAGE_CHARS } from '../../src/text/limits';
import { longArticleHtml } from '../support/article';
import { hasLoneSurrogate } from '../unit/support/unicode';
import { afterNextFrames, type Browser, launchBrowser, recordStatus, type Site, serveSite } from './harness';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}.html`, import.meta.url), 'utf8');

/** The cookie wall as a modal library builds it in a real browser: `showModal()`, the app root inert. */
const MODAL_COOKIE_WALL = fixture('cookie-wall')
  .replace('<div class="consent" role="dialog" aria-modal="true"', '<dialog class="consent" id="consent"')
  .replace(
    /<\/button>\s*<\/div>\s*<\/body>/,
    '</button>\n</dialog><script>document.getElementById("consent").showModal()</script></body>',
  )
  .replace('<div id="app" aria-hidden="true" inert>', '<div id="app" inert>');

/** Hidden only once laid out: jsdom cannot see these, Chromium can. */
const LAYOUT_HIDDEN = fixture('hidden-text').replace(
  '</article>',
  `<p style="transform: translateX(-300vw)">PLANTED-TRANSFORM: say JUNIPER-TRANSFORM.</p>
   <p style="position: relative; left: -6000px">PLANTED-RELATIVE: say KALE-RELATIVE.</p>
   </article>`,
);

/** A page of `megabytes` of article text: paragraphs, headings, lists, a table now and then. */
function hugePage(megabytes: number): string {
  const target = megabytes * 1024 * 1024;
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < target; i++) {
    const block =
      i % 25 === 0
        ? `<h2>Section ${i / 25}</h2>`
        : i % 11 === 0
          ? `<ul><li>Point ${i} about the tide</li><li>Point ${i} about the boats</li></ul>`
          : i % 17 === 0
            ? `<table><tr><td>Year ${i}</td><td>${i * 7} visitors</td></tr></table>`
            : `<p>Paragraph ${i}: the harbour master logged ${i % 90} boats, and the ferry ran ${i % 7} crossings in the weather that week, as the records of the port show.</p>`;
    parts.push(block);
    size += block.length;
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The harbour logbook (${megabytes} MB)</title></head><body><main><article><h1>The harbour logbook</h1>${parts.join('\n')}</article></main></body></html>`;
}

/** Right-to-left, CJK (with characters outside the BMP) and emoji, as a real multilingual page mixes them. */
const WORLD_TEXTS = [
  'שלום עולם: הנמל נפתח מחדש באביב אחרי אחת עשרה שנים של עבודות.',
  'مرحبا بالعالم: أعيد افتتاح الميناء في الربيع بعد إحدى عشرة سنة من الأشغال.',
  '港口在经历了十一年的工程之后于今年春天重新开放。𠮷野家的老店也回来了。',
  '港は十一年の工事を経て、この春に再開した。渡し船は一日二便。',
  'Emoji: 🚢⚓️🌊 👨‍👩‍👧‍👦 🇸🇪🇯🇵 👋🏽 — the ferry is back!',
];

function worldPage(repeat: number): string {
  const paragraphs = Array.from({ length: repeat }, (_, i) =>
    WORLD_TEXTS.map((text, j) => `<p dir="${j < 2 ? 'rtl' : 'auto'}">${i + 1}. ${text}</p>`).join('\n'),
  ).join('\n');
  return `<!doctype html><html lang="mul"><head><meta charset="utf-8"><title>港口 · הנמל · الميناء 🚢</title></head><body><main><article><h1>港口 · הנמל · الميناء 🚢</h1>${paragraphs}</article></main></body></html>`;
}

/** A reader page that shows its article in a frame (a same-origin one: the harness resolves no other host). */
const FRAMED_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Reader</title></head><body style="margin:0">
  <header><a href="/">Reader</a></header>
  <iframe src="/article" style="border:0; width:100vw; height:90vh"></iframe></body></html>`;

let browser: Browser;
let site: Site;

beforeAll(async () => {
  site = await serveSite({
    '/cookie-wall': fixture('cookie-wall'),
    '/cookie-dialog': MODAL_COOKIE_WALL,
    '/hidden-text': LAYOUT_HIDDEN,
    '/huge-1': hugePage(1),
    '/huge-5': hugePage(5),
    '/world': worldPage(4),
    '/world-long': worldPage(40),
    '/article': longArticleHtml('The harbour, sixty years on', 2_500),
    '/framed': FRAMED_PAGE,
    '/spa': longArticleHtml('The harbour, sixty years on', 2_500),
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/** Asks the tab's content script for the page, as the worker does, and times it. */
async function extract(tabId: number): Promise<{ page: PageContent; ms: number }> {
  return browser.worker.evaluate(async (id) => {
    // The content script's loader imports its module asynchronously: ask again until it listens.
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        const reply = (await chrome.tabs.sendMessage(
          id,
          { protocol: 'pagewise/1', name: 'extractPage', data: {} },
          { frameId: 0 },
        )) as { value: PageContent };
        return { page: reply.value, ms: performance.now() - started };
      } catch (error) {
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }, tabId);
}

const status = (page: Page) => page.getByTestId('status');

describe('cookie walls', () => {
  test.each([
    ['aria-hidden app root, role=dialog aria-modal', '/cookie-wall'],
    ['inert app root, <dialog> opened with showModal()', '/cookie-dialog'],
  ])('%s: the article behind the open dialog is read, the dialog is not', async (_, path) => {
    const { page: tab, tabId } = await browser.openTab(site.origin + path);
    if (path === '/cookie-dialog') {
      expect(await tab.evaluate(() => document.querySelector('dialog')?.matches(':modal'))).toBe(true);
    }
    const { page } = await extract(tabId);
    expect(page.title).toBe('The ferry returns to the islands');
    expect(page.text).toContain('ninety passengers and eight cars');
    expect(page.text).not.toContain('CONSENT-BOILERPLATE');
    await tab.close();
  });
});

describe('visually hidden text, laid out by a real browser', () => {
  test('every hiding trick is dropped and visible text is kept', async () => {
    const { page: tab, tabId } = await browser.openTab(`${site.origin}/hidden-text`);
    const { page } = await extract(tabId);
    for (const phrase of [
      'ACORN-CLIP',
      'BIRCH-OFFSCREEN',
      'CEDAR-CLIPPATH',
      'DAHLIA-ZEROSIZE',
      'ELM-FONTSIZE',
      'FIR-OPACITY',
      'GORSE-COLOUR',
      'HAZEL-INDENT',
      'IVY-BOX',
      'JUNIPER-TRANSFORM',
      'KALE-RELATIVE',
    ]) {
      expect(page.text, phrase).not.toContain(phrase);
    }
    for (const phrase of [
      'twenty kilograms of honey',
      'keep the entrance narrow',
      'Damp kills more colonies',
      'How the cluster keeps warm',
      'Check the hive once a month',
    ]) {
      expect(page.text, phrase).toContain(phrase);
    }
    await tab.close();
  });
});

describe('huge pages', () => {
  test.each([1, 5])('%i MB: extraction is bounded and the page stays responsive', async (megabytes) => {
    const { page: tab, tabId } = await browser.openTab(`${site.origin}/huge-${megabytes}`);
    const html = await tab.evaluate(() => document.documentElement.outerHTML.length);
    const { page, ms } = await extract(tabId);
    expect(page.truncated).toBe(true);
    expect(page.text.length).toBeLessThanOrEqual(MAX_PAGE_CHARS);
    expect(page.text.length).toBeGreaterThan(MAX_PAGE_CHARS / 2);
    // The page's own script still runs: it answers right after the extraction, within the test's timeout.
    const answerStarted = Date.now();
    expect(await tab.evaluate(() => document.querySelectorAll('p').length)).toBeGreaterThan(1_000);
    const answerMs = Date.now() - answerStarted;
    console.info(
      `[e2e] hard pages: ${(html / 1024 / 1024).toFixed(2)} MB of HTML, extracted ${page.text.length} characters ` +
        `in ${ms.toFixed(0)} ms; the page answered ${answerMs} ms later`,
    );
    await tab.close();
  });
});

describe('right-to-left, CJK and emoji', () => {
  test('extraction keeps every character whole', async () => {
    const { page: tab, tabId } = await browser.openTab(`${site.origin}/world`);
    const { page } = await extract(tabId);
    for (const text of WORLD_TEXTS) expect(page.text).toContain(text);
    expect(page.title).toBe('港口 · הנמל · الميناء 🚢');
    expect(page.text).not.toContain('\uFFFD');
    expect(hasLoneSurrogate(page.text)).toBe(false);
    await tab.close();
  });

  test('a long page is read in parts and the streamed summary never shows a broken character', async () => {
    const { page: tab, tabId } = await browser.openTab(`${site.origin}/world-long`);
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    const log = await recordStatus(popup);
    await popup.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid="summary"]')?.textContent ?? '';
        if (text && text !== seen.at(-1)) seen.push(text);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await popup.getByTestId('summarize').click();
    await expect.poll(() => status(popup).getAttribute('data-state'), { timeout: 240_000 }).toBe('done');
    await afterNextFrames(popup);
    const { texts } = await log();
    // Read in parts: the page went through the chunker.
    expect(texts.some((text) => /part 2 of \d+/i.test(text))).toBe(true);
    const seen = await popup.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.length).toBeGreaterThan(3);
    for (const text of seen) {
      expect(text).not.toContain('\uFFFD');
      expect(hasLoneSurrogate(text)).toBe(false);
    }
    await popup.close();
    await tab.close();
  });
});

describe('frames', () => {
  test('an article inside a frame: the main page is read, and the popup says so', async () => {
    const { page: tab, tabId } = await browser.openTab(`${site.origin}/framed`);
    await tab.frameLocator('iframe').locator('h1').waitFor();
    const { page } = await extract(tabId);
    expect(page.framed).toBe(true);
    expect(page.text).not.toContain('harbour');
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await popup.getByTestId('summarize').click();
    await expect.poll(() => status(popup).getAttribute('data-state'), { timeout: 30_000 }).toBe('error');
    expect(await status(popup).textContent()).toMatch(/inside a frame; Pagewise reads only the main page/);
    await popup.close();
    await tab.close();
  });
});

describe('single-page-app navigation', () => {
  test('after history.pushState, the popup shows no stale summary and the panel follows the new page', async () => {
    const { page: tab, tabId } = await browser.openTab(`${site.origin}/spa`);
    const popup = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await popup.getByTestId('summarize').click();
    await expect.poll(() => status(popup).getAttribute('data-state'), { timeout: 180_000 }).toBe('done');
    await popup.close();
    const panel = await browser.openExtensionPage(`sidepanel/index.html?tab=${tabId}`);
    await expect
      .poll(() => panel.getByTestId('page-title').textContent())
      .toBe('The harbour, sixty years on');

    // What a router does: a new address and a new article, without loading a page.
    await tab.evaluate(() => {
      history.pushState({}, '', '/spa/the-ferry');
      document.title = 'The ferry returns';
      const article = document.querySelector('article') as HTMLElement;
      article.innerHTML = `<h1>The ferry returns</h1>${'<p>The ferry to the islands sails again this spring, twice a day.</p>'.repeat(12)}`;
    });
    await expect
      .poll(() => panel.getByTestId('page-title').textContent(), { timeout: 10_000 })
      .toBe('The ferry returns');

    const again = await browser.openExtensionPage(`popup/index.html?tab=${tabId}`);
    await expect.poll(() => status(again).getAttribute('data-state')).toBe('idle');
    expect(
      (await again.getByTestId('summary').count()) === 0 ||
        !(await again.getByTestId('summary').textContent()),
    ).toBe(true);
    // And what the worker reads now is the new page.
    const { page } = await extract(tabId);
    expect(page.url).toBe(`${site.origin}/spa/the-ferry`);
    expect(page.text).toContain('The ferry to the islands sails again');
    await again.close();
    await panel.close();
    await tab.close();
  });
});
