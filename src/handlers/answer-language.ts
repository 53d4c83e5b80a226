import browser from 'webextension-polyfill';
import { loadSettings } from '../settings';
import { answerLanguageName } from '../text/language';

/**
 * The language the settings ask answers in, by name ("French"), or null for the page's or question's. A
 * settings read that fails falls back to the default: no reason to refuse an answer.
 */
export async function answerLanguageFromSettings(): Promise<string | null> {
  try {
    const { answerLanguage } = await loadSettings();
    return answerLanguageName(answerLanguage, browser.i18n.getUILanguage());
  } catch {
    return null;
  }
}
