import { t, uiLocale } from '../i18n';
import type { Conversation, Source, StoredMessage } from '../protocol';
import { type PageLinks, pageLinks, renderMarkdownFragment } from './markdown';

/** Which model and engine wrote the text, as the reader saw them named. */
export interface ExportEngine {
  model: string | null;
  engine: string | null;
}

/** The page a text is about, as the tab names it (where the text itself does not). */
export interface ExportPage {
  title?: string | undefined;
  url?: string | undefined;
}

/** A file to download: its name and its Markdown. */
export interface ExportFile {
  name: string;
  text: string;
}

// What means something to Markdown or HTML anywhere in a line, and what only at its start (a heading, a
// list item, a quote). Text from a page or a model is escaped with both, so the file shows it as text in
// any viewer, and nothing in it can run, fetch or format itself.
const ESCAPED = /[\\`*_[\]<>&~|]/g;
const BLOCK_START = /^(\s*)([#+\-=]|\d+(?=[.)]))/;

/** Text as Markdown that reads exactly as the text (no formatting, no HTML, no links of its own). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(ESCAPED, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`))
    .replace(BLOCK_START, (_, space: string, mark: string) =>
      /\d/.test(mark) ? `${space}${mark}\\` : `${space}\\${mark}`,
    );
}

const isElement = (node: Node): node is Element => node.nodeType === 1;

function inline(node: Node): string {
  let out = '';
  for (const child of Array.from(node.childNodes)) {
    if (child.nodeType === 3) {
      out += escapeMarkdown((child.textContent ?? '').replace(/\s+/g, ' '));
      continue;
    }
    if (!isElement(child)) continue;
    const tag = child.tagName.toLowerCase();
    const inner = inline(child);
    if (tag === 'strong') out += `**${inner}**`;
    else if (tag === 'em') out += `*${inner}*`;
    else if (tag === 'del') out += `~~${inner}~~`;
    else if (tag === 'code') out += codeSpan(child.textContent ?? '');
    else if (tag === 'br') out += '  \n';
    // Only links the sanitizer kept are left: the page's own, http(s) or mailto.
    else if (tag === 'a' && child.getAttribute('href'))
      out += `[${inner}](<${safeUrl(child.getAttribute('href') ?? '')}>)`;
    else out += inner;
  }
  return out;
}

/** A URL inside `<…>`: spaces and angle brackets encoded, so it cannot end the link early. */
const safeUrl = (url: string) => url.replace(/[<>\s]/g, encodeURIComponent);

function codeSpan(code: string): string {
  const ticks = '`'.repeat(Math.max(1, ...[...code.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}${ticks.length > 1 ? ' ' : ''}${code}${ticks.length > 1 ? ' ' : ''}${ticks}`;
}

const BLOCK_TAGS = /^(p|ul|ol|pre|blockquote|table|hr|h[1-6])$/i;
const hasBlocks = (element: Element) =>
  Array.from(element.children).some((child) => BLOCK_TAGS.test(child.tagName));

function blocks(node: Node, depth = 0): string[] {
  const out: string[] = [];
  for (const child of Array.from(node.childNodes)) {
    if (child.nodeType === 3) {
      const text = (child.textContent ?? '').trim();
      if (text) out.push(escapeMarkdown(text));
      continue;
    }
    if (!isElement(child)) continue;
    const tag = child.tagName.toLowerCase();
    const heading = /^h([1-6])$/.exec(tag);
    if (heading) out.push(`${'#'.repeat(Math.min(6, Number(heading[1]) + 2))} ${inline(child)}`);
    else if (tag === 'p') out.push(inline(child));
    else if (tag === 'hr') out.push('---');
    else if (tag === 'pre') {
      const code = child.textContent ?? '';
      const fence = '`'.repeat(Math.max(3, ...[...code.matchAll(/`+/g)].map((m) => m[0].length + 1)));
      out.push(`${fence}\n${code.replace(/\n$/, '')}\n${fence}`);
    } else if (tag === 'blockquote') out.push(quote(blocks(child, depth).join('\n\n')));
    else if (tag === 'ul' || tag === 'ol') {
      let number = Number(child.getAttribute('start') ?? 1) || 1;
      const items = Array.from(child.children).map((item) => {
        const marker = tag === 'ol' ? `${number++}.` : '-';
        const body = hasBlocks(item) ? blocks(item, depth + 1).join('\n') : inline(item);
        return `${marker} ${body.replace(/\n/g, `\n${' '.repeat(marker.length + 1)}`)}`;
      });
      out.push(items.join('\n'));
    } else if (tag === 'li') out.push(inline(child));
    else if (tag === 'table') out.push(table(child));
    else out.push(inline(child));
  }
  return out.filter((block) => block.trim() !== '');
}

function table(element: Element): string {
  const rows = Array.from(element.querySelectorAll('tr')).map((row) =>
    Array.from(row.children).map((cell) => inline(cell).replace(/\|/g, '\\|')),
  );
  const [head, ...body] = rows;
  if (!head) return '';
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => (line ? `> ${line}` : '>'))
    .join('\n');
}

/** A model's Markdown as the reader saw it: rendered and sanitized as on screen, then written back. */
export function shownMarkdown(markdown: string, links: PageLinks): string {
  return blocks(renderMarkdownFragment(markdown, links)).join('\n\n');
}

function header(title: string, url: string, date: Date, engine: ExportEngine, kind: string): string {
  const when = new Intl.DateTimeFormat(uiLocale().lang, { dateStyle: 'long', timeStyle: 'short' }).format(
    date,
  );
  const lines = [
    `# ${escapeMarkdown(title || t('export_untitled'))}`,
    '',
    `*${escapeMarkdown(kind)}*`,
    '',
    `- ${t('export_page')}: <${safeUrl(url)}>`,
    `- ${t('export_date')}: ${escapeMarkdown(when)}`,
  ];
  if (engine.model) lines.push(`- ${t('export_model')}: ${escapeMarkdown(engine.model)}`);
  if (engine.engine) lines.push(`- ${t('export_engine')}: ${escapeMarkdown(engine.engine)}`);
  return lines.join('\n');
}

function sourcesMarkdown(sources: readonly Source[] | undefined): string {
  if (!sources?.length) return '';
  const quotes = sources.map((source) => {
    const heading = source.heading ?? t('chat_passage', source.index + 1);
    return quote(
      `**${escapeMarkdown(heading)}**\n${escapeMarkdown(source.text.replace(/\s+/g, ' ').trim())}`,
    );
  });
  return `**${t('export_sources')}**\n\n${quotes.join('\n\n')}`;
}

/** One answer with its sources, as Copy puts it on the clipboard. */
export function answerMarkdown(message: StoredMessage, links: PageLinks): string {
  return [shownMarkdown(message.content, links), sourcesMarkdown(message.sources)]
    .filter(Boolean)
    .join('\n\n');
}

/** A summary as a Markdown document: page, date, model and engine, then the summary as shown. */
export function summaryMarkdown(summary: {
  title: string;
  url: string;
  date: Date;
  engine: ExportEngine;
  text: string;
  links?: readonly string[] | undefined;
}): string {
  const body = shownMarkdown(summary.text, pageLinks(summary.links));
  return `${header(summary.title, summary.url, summary.date, summary.engine, t('export_heading_summary'))}\n\n${body}\n`;
}

/** A conversation as a Markdown document: each question, and each answer with its sources as quotes. */
export function chatMarkdown(
  conversation: Conversation,
  engine: ExportEngine,
  date = new Date(conversation.updatedAt),
): string {
  const links = pageLinks(conversation.links);
  const turns = conversation.messages.map((message) => {
    if (message.role === 'user') {
      const about = message.selection
        ? `\n\n*${t('export_selection')}*\n\n${quote(escapeMarkdown(message.selection))}`
        : '';
      return `## ${t('export_question')}${about}\n\n${escapeMarkdown(message.content)}`;
    }
    return `## ${t('export_answer')}\n\n${answerMarkdown(message, links)}`;
  });
  const head = header(conversation.title, conversation.url, date, engine, t('export_heading_chat'));
  return `${[head, ...turns].join('\n\n')}\n`;
}

/** Every saved chat in one document, newest first, each under its own heading level. */
export function chatsMarkdown(conversations: readonly Conversation[], engine: ExportEngine): string {
  const chats = conversations.map((conversation) =>
    chatMarkdown(conversation, engine).trimEnd().replace(/^#/gm, '##'),
  );
  return `# ${t('export_all_title')}\n\n${chats.join('\n\n---\n\n')}\n`;
}

/** A file name from a title: letters, digits and dashes, never a path. */
export function exportFileName(title: string, date: Date): string {
  const stem =
    title
      .normalize('NFKC')
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'pagewise';
  return `${stem}-${date.toISOString().slice(0, 10)}.md`;
}
