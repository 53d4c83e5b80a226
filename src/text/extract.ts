import { Readability } from '@mozilla/readability';
import type { PageContent } from '../protocol';
import { blocksToText, collapse, cutAtWord } from './blocks';
import { MAX_META_CHARS, MAX_PAGE_CHARS, MIN_READABLE_CHARS } from './limits';
import { readLinks } from './links';
import { visibleClone } from './visibility';

/**
 * Reads the main content of `doc` for the model, without changing it: Readability on a clone without what the
 * live page hides, else the visible text when Readability finds under `MIN_READABLE_CHARS`.
 */
export function extractPage(doc: Document): PageContent {
  const clean = visibleClone(doc);
  const article = parseArticle(clean);
  let result = article ? blocksToText(article.content, MAX_PAGE_CHARS) : { text: '', truncated: false };
  let source: PageContent['source'] = 'readability';
  let read: Element | null = article?.content ?? null;
  if (result.text.length < MIN_READABLE_CHARS) {
    // A short Readability result is one box of the page; the visible text has it and its neighbours.
    const visible = clean.body ? visibleText(clean.body) : { text: '', truncated: false };
    if (visible.text || !article) {
      result = visible;
      source = 'visible-text';
      read = clean.body;
    }
  }
  return {
    url: doc.URL,
    title: meta(article?.title) ?? meta(doc.title) ?? '',
    byline: meta(article?.byline),
    lang: meta(doc.documentElement?.getAttribute('lang')),
    siteName:
      meta(article?.siteName) ??
      meta(doc.querySelector('meta[property="og:site_name"]')?.getAttribute('content')),
    text: result.text,
    source,
    truncated: result.truncated,
    framed: articleInFrame(doc, result.text),
    links: readLinks(read, result.text, doc.baseURI),
  };
}

/** A frame this much of the window (or more) is where the page's content is, when the page has no text. */
const FRAME_SHARE = 0.25;

/**
 * Whether the article seems to be in a frame: the main page has under `MIN_READABLE_CHARS` of text and a
 * shown `<iframe>` or `<frame>` covers a quarter of the window or more. Frames are never read: a page of
 * another site, embedded, is not the page the user asked about, and the extension has no access there.
 */
function articleInFrame(doc: Document, text: string): boolean {
  if (text.length >= MIN_READABLE_CHARS) return false;
  const view = doc.defaultView;
  const windowArea = (view?.innerWidth ?? 0) * (view?.innerHeight ?? 0);
  for (const frame of Array.from(doc.querySelectorAll('iframe, frame'))) {
    const box = frame.getBoundingClientRect();
    if (box.width > 0 && box.height > 0 && box.width * box.height >= windowArea * FRAME_SHARE) return true;
  }
  return false;
}

function meta(value: string | null | undefined): string | null {
  const text = collapse(value ?? '');
  return text ? cutAtWord(text, MAX_META_CHARS) : null;
}

interface Article {
  content: Element;
  title: string | null;
  byline: string | null;
  siteName: string | null;
}

function parseArticle(doc: Document): Article | null {
  // Readability rewrites the document it reads, and the fallback still needs this one intact.
  const copy = doc.cloneNode(true) as Document;
  let article: ReturnType<Readability<Element>['parse']>;
  try {
    // Handing back the content element itself saves serializing it to HTML and parsing that again.
    article = new Readability<Element>(copy, { serializer: (node) => node as Element }).parse();
  } catch {
    return null;
  }
  if (!article?.content) return null;
  return {
    content: article.content,
    title: article.title ?? null,
    byline: article.byline ?? null,
    siteName: article.siteName ?? null,
  };
}

/** Page-level navigation and boilerplate, skipped by the visible-text fallback when anything else is left. */
function isPageChrome(el: Element): boolean {
  const name = el.localName;
  const role = el.getAttribute('role');
  if (name === 'nav' || name === 'aside' || role === 'navigation' || role === 'complementary') return true;
  if (role === 'banner' || role === 'contentinfo') return true;
  // Inside an article or section these are that part's own header and footer, which are content.
  return (name === 'header' || name === 'footer') && !el.parentElement?.closest('article, main, section');
}

function visibleText(body: Element): { text: string; truncated: boolean } {
  const withoutChrome = blocksToText(body, MAX_PAGE_CHARS, isPageChrome);
  return withoutChrome.text ? withoutChrome : blocksToText(body, MAX_PAGE_CHARS);
}

/** What a PDF tab answers to `extractPage`: no text, only that it is a PDF (the PDF reader reads it). */
export function pdfPlaceholder(doc: Document): PageContent {
  return {
    url: doc.URL,
    title: meta(doc.title) ?? '',
    byline: null,
    lang: null,
    siteName: null,
    text: '',
    source: 'pdf',
    truncated: false,
    links: [],
  };
}
