import { expect, test } from 'vitest';
import { buildChatPrompt } from '../../../src/chat/context';
import { overviewPrompt, partPointsPrompt, summaryPrompt } from '../../../src/summarize/prompts';
import { answerLanguageName } from '../../../src/text/language';

const page = { title: 'Les marées', lang: 'fr' };
const chars = (messages: { content: string }[]) => messages.map((m) => m.content).join('\n');

test.each([
  ['page', 'fr-FR', null],
  ['browser', 'fr-FR', 'French'],
  ['browser', 'de', 'German'],
  ['browser', 'zh-TW', 'Traditional Chinese'],
] as const)('answer language %s with browser %s asks for %s', (setting, browserLanguage, name) => {
  expect(answerLanguageName(setting, browserLanguage)).toBe(name);
});

test('summaries are written in the page’s language by default, or in the one Settings names', () => {
  const prompts = (answerIn: string | null) => [
    summaryPrompt({ ...page, answerIn }, 'Texte.', 'brief'),
    partPointsPrompt({ ...page, answerIn }, 'Texte.', 'brief', 1, 2),
    overviewPrompt({ ...page, answerIn }, '- point', 'brief'),
  ];
  for (const prompt of prompts(null)) expect(chars(prompt)).toMatch(/write in the language of the page/);
  for (const prompt of prompts('German')) {
    expect(chars(prompt)).toMatch(/write in German/);
    expect(chars(prompt)).not.toMatch(/language of the page/);
  }
});

test('chat answers follow the question’s language by default, or the one Settings names', () => {
  const input = {
    page: { title: 'T', url: 'https://example.com/' },
    selection: null,
    passages: [],
    history: [],
    question: 'Why?',
  };
  const count = (messages: { content: string }[]) => chars(messages).length;
  expect(chars(buildChatPrompt(input, 10_000, count).messages)).toMatch(
    /Answer in the language of the question/,
  );
  const german = chars(buildChatPrompt({ ...input, answerIn: 'German' }, 10_000, count).messages);
  expect(german).toMatch(/Always answer in German/);
  expect(german).not.toMatch(/language of the question/);
});
