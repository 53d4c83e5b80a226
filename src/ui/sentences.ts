import { uiLocale } from '../i18n';

/** Markdown as it is heard: the words of links, emphasis, code and headings, without their marks. */
export function spokenText(markdown: string): string {
  return markdown
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+[.)])\s+/gm, '')
    .replace(/[*_`~]+/g, '')
    .replace(/\s+/g, ' ');
}

/**
 * What is new to announce in a streamed text: the sentences completed since `from` characters were
 * announced, and where announcing reached. While the text still grows its last sentence may be unfinished,
 * so it waits; once `finished`, the rest is said too. Sentences are split the reader's language's way
 * (`Intl.Segmenter`), so `。` ends one as `.` does.
 */
export function newSentences(
  text: string,
  from: number,
  finished: boolean,
  locale = uiLocale().lang,
): { say: string; upTo: number } {
  const rest = text.slice(from);
  if (!rest.trim()) return { say: '', upTo: finished ? text.length : from };
  if (finished) return { say: spokenText(rest).trim(), upTo: text.length };
  const segments = [...new Intl.Segmenter(locale, { granularity: 'sentence' }).segment(rest)];
  // The last segment may still be growing: it is complete only once text follows it.
  const complete = segments.slice(0, -1);
  const length = complete.reduce((sum, segment) => sum + segment.segment.length, 0);
  if (length === 0) return { say: '', upTo: from };
  return { say: spokenText(rest.slice(0, length)).trim(), upTo: from + length };
}
