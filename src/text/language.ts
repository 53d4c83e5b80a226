import type { AnswerLanguage } from '../model';

let displayNames: Intl.DisplayNames | undefined;

/**
 * The English name of a language tag: "fr" → "French"; a script is named only where it matters
 * ("zh-TW" → "Traditional Chinese"), and a region never ("pt-BR" → "Portuguese").
 */
export function languageName(tag: string): string {
  try {
    displayNames ??= new Intl.DisplayNames(['en'], { type: 'language' });
    const locale = new Intl.Locale(tag);
    const script = locale.maximize().script;
    const usualScript = new Intl.Locale(locale.language).maximize().script;
    return (
      displayNames.of(script && script !== usualScript ? `${locale.language}-${script}` : locale.language) ??
      tag
    );
  } catch {
    return tag;
  }
}

export function isEnglish(tag: string | undefined): boolean {
  try {
    return tag !== undefined && new Intl.Locale(tag).language === 'en';
  } catch {
    return false;
  }
}

/**
 * The language to ask the model to answer in, by name ("French"), or null for the page's own (the
 * prompts' default wording).
 */
export function answerLanguageName(setting: AnswerLanguage, browserLanguage: string): string | null {
  return setting === 'browser' ? languageName(browserLanguage) : null;
}
