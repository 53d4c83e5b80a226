import type { PageContent } from '../../src/protocol';

/**
 * A readable long article, built from a few real-sounding sections so that tests can ask for any length
 * and still get paragraphs and headings in the shape the extractor produces.
 */
const SECTIONS = [
  {
    heading: 'How the harbour changed',
    paragraphs: [
      'For most of the nineteenth century the harbour was a working place: fishing boats, coal barges and the ferry to the islands shared a crowded basin that silted up every winter.',
      'In 1962 the town council voted to dredge the basin and build a new breakwater, a project that took eleven years and cost far more than planned.',
    ],
  },
  {
    heading: 'The people who stayed',
    paragraphs: [
      'When the fishing fleet moved to the deeper port up the coast, about two hundred families left within a decade. Those who stayed turned the old net lofts into workshops and cafés.',
      'Maria Okafor, who has run the bakery on Quay Street since 1988, remembers the quiet years: “Some winters we sold more bread to the gulls than to people.”',
    ],
  },
  {
    heading: 'Tourism and its costs',
    paragraphs: [
      'Today the harbour draws around 300,000 visitors a year. Parking, rents and the price of a coffee have all risen faster than local wages.',
      'A 2023 survey found that 41 percent of the houses in the old town are second homes or holiday lets, up from 12 percent in 2003.',
    ],
  },
  {
    heading: 'What comes next',
    paragraphs: [
      'The council’s new plan caps holiday lets, restores the ferry to the islands and sets aside the north quay for a small working fleet again.',
      'Not everyone agrees. Business owners warn that fewer visitors will close shops; residents say the town must remain a place where people can afford to live.',
    ],
  },
];

/** Structured page text (headings as `## `, blank lines between blocks) of roughly `minChars` characters. */
export function longArticleText(minChars: number): string {
  const blocks: string[] = [];
  for (let i = 0; blocks.join('\n\n').length < minChars; i++) {
    const section = SECTIONS[i % SECTIONS.length] as (typeof SECTIONS)[number];
    const round = Math.floor(i / SECTIONS.length) + 1;
    blocks.push(`## ${section.heading}${round > 1 ? ` (${round})` : ''}`, ...section.paragraphs);
  }
  return blocks.join('\n\n');
}

/** The same article as an HTML page, for the browser tests. */
export function longArticleHtml(title: string, minChars: number): string {
  return articleHtml(title, longArticleText(minChars));
}

/** Block-structured text (`## ` headings, paragraphs) as an article page with site navigation around it. */
export function articleHtml(title: string, text: string): string {
  const body = text
    .split('\n\n')
    .map((block) => (block.startsWith('## ') ? `<h2>${block.slice(3)}</h2>` : `<p>${block}</p>`))
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<main><article><h1>${title}</h1><p class="byline">By Ana Lund</p>
${body}
</article></main><footer>© The Coast Gazette</footer></body></html>`;
}

/** What the content script would send for the article page: `text` as its main content. */
export function pageContent(text: string, overrides: Partial<PageContent> = {}): PageContent {
  return {
    url: 'https://example.org/harbour',
    title: 'The harbour, sixty years on',
    byline: null,
    lang: 'en',
    siteName: null,
    text,
    source: 'readability',
    truncated: false,
    ...overrides,
  };
}
