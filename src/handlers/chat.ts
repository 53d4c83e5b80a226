import browser from 'webextension-polyfill';
import { buildChatPrompt } from '../chat/context';
import type { HistoryStore } from '../chat/history';
import type { Engine } from '../engine/engine';
import { isCancellation } from '../errors';
import type { AskPreset, Conversation, PageContent, StoredMessage, StreamContext } from '../protocol';
import type { Passage } from '../retrieval/passages';
import { toSources } from '../retrieval/retriever';
import { CHAT_ANSWER_TOKENS, CHAT_PASSAGES } from '../text/limits';
import { uiLanguageName } from './context-menu';
import { assertReadable, readPage } from './page-reader';

export interface ChatDependencies {
  engine: Engine;
  history: HistoryStore;
  /** The passages of `page` that best answer `question`, in page order. */
  retrieve(
    page: PageContent,
    question: string,
    options: { k: number; signal: AbortSignal; selection: string | null },
  ): Promise<{ passages: Passage[] }>;
}

export interface ChatRequest {
  tabId: number;
  conversationId: string | null;
  question: string;
  selection: string | null;
  preset: AskPreset | null;
  regenerate: boolean;
}

/** How often a streaming answer is saved, so a stopped worker loses at most this much of it. */
const SAVE_EVERY_MS = 1_000;

function newConversation(page: PageContent): Conversation {
  const now = Date.now();
  return { id: crypto.randomUUID(), url: page.url, title: page.title, createdAt: now, updatedAt: now, messages: [] };
}

/**
 * Serves `chat`: reads the tab's page, saves the question, retrieves the passages that answer it, streams
 * the answer (reusing the model's cache of the conversation so far) and saves it as it grows.
 */
export function createChatHandler({ engine, history, retrieve }: ChatDependencies) {
  return async (request: ChatRequest, { signal, emit }: StreamContext): Promise<Conversation> => {
    emit({ type: 'stage', stage: 'reading' });
    const page = await readPage(request.tabId);
    const stored = request.conversationId ? await history.get(request.conversationId) : null;
    // A conversation is about one page: a tab that moved on starts a new one.
    const conversation = stored && stored.url === page.url ? stored : newConversation(page);

    let question = request.question.trim();
    let selection = request.selection?.trim() || null;
    let preset = request.preset;
    if (request.regenerate) {
      const lastUser = conversation.messages.findLastIndex((m) => m.role === 'user');
      const last = conversation.messages[lastUser];
      if (!last) throw new Error('There is no question to answer again.');
      conversation.messages.splice(lastUser + 1);
      question = last.content;
      selection = last.selection ?? null;
      preset = null;
    } else {
      conversation.messages.push({
        id: crypto.randomUUID(),
        role: 'user',
        content: question,
        selection,
        createdAt: Date.now(),
      });
    }
    conversation.updatedAt = Date.now();
    await history.save(conversation);
    emit({ type: 'conversation', conversation });

    const earlier = conversation.messages.slice(0, -1);
    const answer: StoredMessage = {
      id: crypto.randomUUID(),
      role: 'assistant',
      content: '',
      createdAt: Date.now(),
      sources: [],
      // Saved as interrupted until it completes: if the worker is stopped mid-answer, that is the truth.
      status: 'interrupted',
    };

    emit({ type: 'stage', stage: 'loading' });
    try {
      await engine.run(
        async (session) => {
          emit({ type: 'stage', stage: 'reading' });
          const { passages } = await retrieve(page, [selection, question].filter(Boolean).join('\n'), {
            k: CHAT_PASSAGES,
            signal,
            selection,
          });
          const budget =
            Math.min(session.model.maxChatPromptTokens, session.model.contextSize) - CHAT_ANSWER_TOKENS;
          const prompt = buildChatPrompt(
            {
              page: { title: page.title, url: page.url },
              selection,
              passages,
              history: earlier,
              question,
              preset,
              language: uiLanguageName(),
            },
            budget,
            (messages) => session.countPromptTokens(messages),
          );
          answer.sources = toSources(passages.slice(0, prompt.passagesKept));
          emit({ type: 'sources', sources: answer.sources });
          await history.appendMessage(conversation.id, answer);

          emit({ type: 'stage', stage: 'generating' });
          let savedAt = Date.now();
          await session.generate(prompt.messages, {
            maxNewTokens: CHAT_ANSWER_TOKENS,
            signal,
            cacheKey: conversation.id,
            onToken: (text) => {
              answer.content += text;
              emit({ type: 'token', text });
              if (Date.now() - savedAt > SAVE_EVERY_MS) {
                savedAt = Date.now();
                void history.updateMessage(conversation.id, answer.id, { content: answer.content });
              }
            },
          });
          answer.status = 'complete';
        },
        { signal, onProgress: (progress) => emit({ type: 'modelProgress', progress }) },
      );
    } catch (error) {
      if (isCancellation(error)) answer.status = 'stopped';
      throw error;
    } finally {
      if (answer.content || answer.status === 'complete') {
        await history.updateMessage(conversation.id, answer.id, { content: answer.content, status: answer.status });
      } else {
        await history.deleteMessage(conversation.id, answer.id).catch(() => {});
      }
    }
    return (await history.get(conversation.id)) ?? conversation;
  };
}

/** Serves `getChat`: the tab's page and the latest conversation about it. */
export async function getChatView(history: HistoryStore, tabId: number) {
  const tab = await browser.tabs.get(tabId);
  try {
    await assertReadable(tab);
  } catch (error) {
    return { page: null, unreadable: (error as Error).message, conversation: null };
  }
  const url = tab.url ?? '';
  return {
    page: { url, title: tab.title ?? url },
    unreadable: null,
    conversation: await history.latestForUrl(url),
  };
}
