import { cutAtCodePoint } from './blocks';

/** Why a page can't be read, as a stable code for callers and tests. */
export type UnreadableCode =
  | 'browser-page'
  | 'web-store'
  | 'view-source'
  | 'pdf'
  | 'file'
  | 'not-web'
  | 'no-url';

/** Why a tab's page can't be read, with a message for the user that says what to do instead. */
export interface UnreadableReason {
  code: UnreadableCode;
  message: string;
}

/** The extension id of Chrome's built-in PDF viewer, whose pages show PDFs opened in the browser. */
const CHROME_PDF_VIEWER_ID = 'mhjfbmdgcfjbbpaeojofohoefgiehjai';

/** Browsers' own pages, which no extension may script, by URL scheme (with the colon). */
const BROWSER_SCHEMES: Record<string, string> = {
  'chrome:': 'Chrome',
  'chrome-untrusted:': 'Chrome',
  'chrome-search:': 'Chrome',
  'edge:': 'Edge',
  'brave:': 'Brave',
  'opera:': 'Opera',
  'vivaldi:': 'Vivaldi',
  'devtools:': 'Your browser',
  'about:': 'Your browser',
  'resource:': 'Your browser',
};

const EXTENSION_SCHEMES = new Set([
  'chrome-extension:',
  'moz-extension:',
  'extension:',
  'safari-web-extension:',
]);

/** Empty and new-tab pages, where "open a web page" is the whole story (without query, hash, final slash). */
const NEW_TAB_PAGES = new Set([
  'about:blank',
  'about:newtab',
  'about:home',
  'about:privatebrowsing',
  'chrome://newtab',
  'chrome://new-tab-page',
  'chrome-search://local-ntp/local-ntp.html',
  'edge://newtab',
  'brave://newtab',
  'opera://startpage',
  'vivaldi://startpage',
]);

/** Stores whose pages browsers keep away from extensions, so that no extension can tamper with installs. */
function storeName(url: URL): string | null {
  const host = url.hostname;
  const path = url.pathname;
  if (host === 'chromewebstore.google.com') return 'The Chrome Web Store';
  if (host === 'chrome.google.com' && /^\/webstore(\/|$)/.test(path)) return 'The Chrome Web Store';
  if (host === 'addons.mozilla.org') return 'Firefox Add-ons (addons.mozilla.org)';
  if (host === 'microsoftedge.microsoft.com' && /^\/addons(\/|$)/.test(path)) return 'Microsoft Edge Add-ons';
  return null;
}

const OPEN_A_WEB_PAGE = 'Open a web page and try again.';

const MESSAGES = {
  // The extension can see the address of every web page, so a hidden one is a page browsers keep from
  // extensions (or a tab still loading).
  'no-url': `Pagewise can't read this page: browser pages (like chrome://), the Web Store and other extensions' pages are closed to extensions. ${OPEN_A_WEB_PAGE}`,
  'new-tab': `This tab has no page to read yet. ${OPEN_A_WEB_PAGE}`,
  extension: `This page belongs to an extension, and extensions can't read each other's pages. ${OPEN_A_WEB_PAGE}`,
  'view-source':
    "This tab shows a page's source code (view-source:), which extensions can't read. Open the page itself and try again.",
  pdf: "Chrome shows this PDF at an address extensions can't read. Open the PDF's own address (or download it and open the file), then try again.",
  file: 'To read files opened from your computer, turn on "Allow access to file URLs" on this extension\'s details page (Manage extension), then reload this tab.',
  'no-url-or-file':
    "Pagewise can't read this page. If it is a browser page (like chrome://), the Web Store or another extension's page, open a web page and try again. If it is a file from your computer, turn on \"Allow access to file URLs\" on this extension's details page (Manage extension), then reload this tab.",
} as const;

/**
 * Whether the tab's page can't be read, and why; null for ordinary web pages and PDFs (the content script tells
 * a PDF tab by its document). `file` holds only until the user allows file access (see
 * `unreadableReasonWithAccess`), for PDF files too. Only the URL is judged: a site blocked by policy shows when
 * the content script does not answer.
 */
export function unreadableReason(url: string | undefined): UnreadableReason | null {
  if (!url) return { code: 'no-url', message: MESSAGES['no-url'] };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return notWeb(url);
  }
  const scheme = parsed.protocol;
  if (scheme === 'http:' || scheme === 'https:') {
    const store = storeName(parsed);
    if (store) {
      return {
        code: 'web-store',
        message: `${store} doesn't let extensions read its pages. Open another page and try again.`,
      };
    }
    return null;
  }
  if (scheme === 'file:') return { code: 'file', message: MESSAGES.file };
  if (scheme === 'view-source:') return { code: 'view-source', message: MESSAGES['view-source'] };
  if (EXTENSION_SCHEMES.has(scheme)) {
    if (parsed.hostname === CHROME_PDF_VIEWER_ID) return { code: 'pdf', message: MESSAGES.pdf };
    return { code: 'browser-page', message: MESSAGES.extension };
  }
  const browser = BROWSER_SCHEMES[scheme];
  if (browser) {
    if (NEW_TAB_PAGES.has(parsed.href.replace(/[?#].*$/, '').replace(/\/$/, '')))
      return { code: 'browser-page', message: MESSAGES['new-tab'] };
    return {
      code: 'browser-page',
      message: `${browser} doesn't let extensions read its own pages (${schemeShown(scheme)}…). ${OPEN_A_WEB_PAGE}`,
    };
  }
  return notWeb(url, scheme);
}

/**
 * `unreadableReason`, knowing whether the user allowed file URLs (asked only for the addresses that depend on
 * it). Without file access the browser hides a file tab's address too, so a hidden address may be a file: its
 * message then also says how to allow files.
 */
export async function unreadableReasonWithAccess(
  url: string | undefined,
  isFileAccessAllowed: () => Promise<boolean>,
): Promise<UnreadableReason | null> {
  const reason = unreadableReason(url);
  if (reason?.code === 'file') return (await isFileAccessAllowed()) ? null : reason;
  if (reason?.code === 'no-url' && !(await isFileAccessAllowed())) {
    return { code: 'no-url', message: MESSAGES['no-url-or-file'] };
  }
  return reason;
}

function notWeb(url: string, scheme?: string): UnreadableReason {
  const shown = scheme ? schemeShown(scheme) : cutAtCodePoint(url, 20);
  return {
    code: 'not-web',
    message: `This tab isn't showing a web page (${shown}…), so there is nothing to read. ${OPEN_A_WEB_PAGE}`,
  };
}

/** How users see the start of such an address: `chrome://`, `about:`, `data:`. */
function schemeShown(scheme: string): string {
  return ['about:', 'data:', 'javascript:', 'blob:', 'view-source:'].includes(scheme)
    ? scheme
    : `${scheme}//`;
}

/** What the user is told when the article is in a frame (`PageContent.framed`): what happened, what to do. */
export const FRAMED_PAGE_MESSAGE =
  "This article is inside a frame; Pagewise reads only the main page. Open the frame's page on its own to read it.";
