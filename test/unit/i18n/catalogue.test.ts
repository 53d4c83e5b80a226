import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findStrayStrings } from './literals';

const LOCALES_DIR = resolve('_locales');
/** The languages the issue asks for (#23); a locale added later joins this list and this check. */
const REQUIRED = [
  'en',
  'de',
  'fr',
  'es',
  'pt_BR',
  'it',
  'nl',
  'pl',
  'tr',
  'ru',
  'uk',
  'ar',
  'he',
  'hi',
  'ja',
  'ko',
  'zh_CN',
  'zh_TW',
];
const RIGHT_TO_LEFT = new Set(['ar', 'he']);

type Catalogue = Record<string, { message: string; description?: string }>;
const read = (locale: string): Catalogue =>
  JSON.parse(readFileSync(join(LOCALES_DIR, locale, 'messages.json'), 'utf8')) as Catalogue;
const english = read('en');
const locales = readdirSync(LOCALES_DIR).sort();

/** `$1`…`$9` and Chrome's `%s` (the selection in a menu title), sorted: what a translation must keep. */
const placeholders = (message: string) => (message.match(/\$[1-9]|%s/g) ?? []).sort();

describe('the catalogue', () => {
  test('every required locale is there', () => {
    expect(locales).toEqual([...REQUIRED].sort());
  });

  test.each(locales)('%s has every English key and no other', (locale) => {
    const keys = Object.keys(read(locale)).sort();
    expect(keys).toEqual(Object.keys(english).sort());
  });

  test.each(locales)('%s keeps the placeholders of every English message', (locale) => {
    const catalogue = read(locale);
    const differing = Object.entries(english)
      .filter(([key, { message }]) => {
        const translated = catalogue[key]?.message ?? '';
        return translated.trim() === '' || placeholders(translated).join() !== placeholders(message).join();
      })
      .map(([key]) => `${key}: ${catalogue[key]?.message}`);
    expect(differing).toEqual([]);
  });

  test.each(locales)('%s names its own language and direction', (locale) => {
    const catalogue = read(locale);
    expect(catalogue.meta_lang?.message).toBe(locale.replace('_', '-'));
    expect(catalogue.meta_dir?.message).toBe(RIGHT_TO_LEFT.has(locale) ? 'rtl' : 'ltr');
  });

  test('the manifest takes its name, description, action title and commands from the catalogue', () => {
    const manifest = JSON.parse(readFileSync('manifest.json', 'utf8'));
    const texts = [
      manifest.name,
      manifest.short_name,
      manifest.description,
      manifest.action.default_title,
      ...Object.values<{ description: string }>(manifest.commands).map((command) => command.description),
    ];
    for (const text of texts) {
      const key = /^__MSG_(\w+)__$/.exec(text)?.[1];
      expect(key && Object.hasOwn(english, key), text).toBe(true);
    }
    expect(manifest.default_locale).toBe('en');
  });
});

/** The UI's `.tsx` files and the worker's handlers: every user-visible string there comes from the catalogue. */
const CHECKED = [
  ...['popup', 'sidepanel', 'options', 'src/ui'].flatMap((dir) =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.tsx'))
      .map((name) => join(dir, name)),
  ),
  ...readdirSync('src/handlers')
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join('src/handlers', name)),
];

describe('no user-visible string outside the catalogue', () => {
  test.each(CHECKED)('%s', (path) => {
    expect(findStrayStrings(path, readFileSync(path, 'utf8'))).toEqual([]);
  });

  test('the check finds text, spoken attributes and prose, and passes keys, classes, ids and URLs', () => {
    const source = `
      import { t } from '../i18n';
      const LABELS = { idle: 'common_copy' };
      export function View({ state }: { state: string }) {
        if (state === 'Not prose either') return null;
        console.warn('[view] Something for developers.');
        return (
          <div class="button button--quiet" data-testid="copy" title="Show the passage">
            <a href="https://example.com/Some Page">{t('common_copy')}</a>
            <input aria-label={'Your question'} name="ask-here" />
            Written here
            {state ? 'Summarize again' : LABELS.idle}
            {new AppError('internal', 'Type a question first.')}
          </div>
        );
      }`;
    expect(findStrayStrings('view.tsx', source).map((stray) => stray.text)).toEqual([
      'Show the passage',
      'Your question',
      'Written here',
      'Summarize again',
      'Type a question first.',
    ]);
  });
});
