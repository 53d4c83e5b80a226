import browser from 'webextension-polyfill';
import { type ClearEpoch, createClearEpoch } from '../chat/clear-epoch';
import { buildChatPrompt, keepFewNew, presetQuestion } from '../chat/context';
import { type HistoryStore, newConversation } from '../chat/history';
import type { Engine } from '../engine/engine';
import { AppError, cancelled, isCancellation } from '../errors';
import { conversationUrl } from '../page-url';
import type {
  ChatRequest,
  ChatView,
  Conversation,
  PageContent,
  StoredMessage,
  StreamContext,
} from '../protocol';
import type { Passage } from '../retrieval/passages';
import { type RetrieveOptions, toSources } from '../retrieval/retriever';
import { CHAT_ANSWER_TOKENS, CHAT_PASSAGES, FOLLOWUP_NEW_PASSAGES } from '../text/limits';
import { FRAMED_PAGE_MESSAGE } from '../text/restricted';
import { answerLanguageFromSettings } from './answer-language';
import { type ReadPageOptions, whyUnreadable } from './page-reader';

export interface ChatDependencies {
  engine: Engine;
  history: HistoryStore;
  /** Reads the tab's page (the content script, in the extension). */
  readPage(tabId: number, options?: ReadPageOptions): Promise<PageContent>;
  /** The passages of `page` that best answer `question`, in page order. */
  retrieve(page: PageContent, question: string, options: RetrieveOptions): Promise<{ passages: Passage[] }>;
  /** Shared with the stores: after "Clear all", an answer begun before it writes nothing back. */
  clearEpoch?: ClearEpoch;
  /** The language Settings asks answers in, by name, or null for the question's (read per question). */
  answerIn?(): Promise<string | null>;
}

/** How often a streaming answer is saved, so a stopped worker loses at most this much of it. */
const SAVE_EVERY_MS = 1_000;

/**
 * Serves `chat`: reads the tab's page, saves the question, retrieves the passages that answer it, streams
 * the answer (reusing the model's cache of the conversation so far) and saves it as it grows.
 */
export function createChatHandler({
  engine,
  history,
  readPage,
  retrieve,
  clearEpoch = createClearEpoch(),
  answerIn = answerLanguageFromSettings,
}: ChatDependencies) {
  return async (request: ChatRequest, { signal, emit, queue }: StreamContext): Promise<Conversation> => {
    // Every write below passes this: after a "Clear all", nothing of this answer is written back.
    const since = clearEpoch.current;
    emit({ type: 'stage', stage: 'reading' });
    const page = await readPage(request.tabId, {
      password: request.password,
      signal,
      onProgress: (done, total) => emit({ type: 'pdfProgress', done, total }),
    });
    // A selection is still worth asking about; without one there is nothing of the article to go on.
    if (page.framed && !request.selection?.trim()) throw new AppError('empty-page', FRAMED_PAGE_MESSAGE);
    const url = conversationUrl(page.url);
    const stored = request.conversationId ? await history.get(request.conversationId) : null;
    // A conversation is about one page: a tab that moved on starts a new one.
    const isNew = !(stored && stored.url === url);
    let conversation = stored && !isNew ? stored : newConversation({ url, title: page.title });

    const language = browser.i18n.getUILanguage();
    const answerLanguage = await answerIn();
    // A preset is stored as the instruction it stands for (the panel's label is only for show), so later
    // turns and Regenerate render it the same way.
    let question = request.preset ? presetQuestion(request.preset, language) : request.question.trim();
    let selection = request.selection?.trim() || null;
    if (!request.regenerate && !question) throw new AppError('invalid-message', 'Type a question first.');
    const asked: StoredMessage = {
      id: crypto.randomUUID(),
      role: 'user',
      content: question,
      selection,
      createdAt: Date.now(),
    };
    /** The question added (or, to regenerate, the last one's answer cut), on the conversation as it is now. */
    const withQuestion = (current: Conversation): Conversation => {
      const messages = current.messages.slice();
      // The page as read now: its answers may link to what it links to.
      const links = page.links ?? [];
      if (!request.regenerate) return { ...current, links, messages: [...messages, asked] };
      const lastUser = messages.findLastIndex((m) => m.role === 'user');
      const last = messages[lastUser];
      if (!last) throw new AppError('invalid-message', 'There is no question to answer again.');
      question = last.content;
      selection = last.selection ?? null;
      return { ...current, links, messages: messages.slice(0, lastUser + 1) };
    };
    // An existing conversation is changed in one transaction, on its stored state: another panel's question
    // saved since it was read is kept.
    const saved = isNew
      ? await history.save(withQuestion(conversation), since)
      : await history.update(conversation.id, withQuestion, since);
    if (!clearEpoch.allows(since)) throw cancelled();
    if (!saved) throw new AppError('invalid-message', 'This chat was deleted. Ask again to start a new one.');
    conversation = saved;
    emit({ type: 'conversation', conversation: saved });

    const lastQuestion = request.regenerate
      ? conversation.messages.findLastIndex((m) => m.role === 'user')
      : conversation.messages.findLastIndex((m) => m.id === asked.id);
    const earlier = conversation.messages.slice(0, lastQuestion);
    const userMessageId = (conversation.messages[lastQuestion] as StoredMessage).id;
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
    let appended = false;
    // The answer's own failure is what the user must see: a save failing after it is only logged.
    let failure: { error: unknown } | undefined;
    try {
      await engine.run(
        async (session) => {
          // A second run, after the engine failed and the next tier took over, starts the answer again.
          answer.content = '';
          emit({ type: 'stage', stage: 'reading' });
          const { passages } = await retrieve(page, question, {
            k: CHAT_PASSAGES,
            signal,
            since,
            selection,
            onDownload: (progress) => emit({ type: 'modelProgress', progress }),
            // A long page is embedded once, on its first question: say how far along that is.
            onEmbed: (done, total) =>
              emit({ type: 'stage', stage: 'reading', part: { index: done, count: total } }),
          });
          const budget =
            Math.min(session.model.maxChatPromptTokens, session.model.contextSize) - CHAT_ANSWER_TOKENS;
          const prompt = buildChatPrompt(
            // The conversation's own title and URL: the system message must not change between turns.
            {
              page: { title: conversation.title, url: conversation.url },
              answerIn: answerLanguage,
              selection,
              // A follow-up reads little that is new, so its first words come fast.
              passages: keepFewNew(passages, earlier, FOLLOWUP_NEW_PASSAGES),
              history: earlier,
              question,
            },
            budget,
            (messages) => session.countPromptTokens(messages),
          );
          if (prompt.selection !== selection) {
            // Shortened to fit: store it as sent, so later turns re-render exactly this prompt.
            await history.updateMessage(
              conversation.id,
              userMessageId,
              { selection: prompt.selection },
              since,
            );
          }
          answer.sources = toSources(prompt.passages, page);
          emit({ type: 'sources', sources: answer.sources });
          if (appended) await history.updateMessage(conversation.id, answer.id, { ...answer }, since);
          else await history.appendMessage(conversation.id, answer, since);
          appended = true;

          emit({ type: 'stage', stage: 'generating' });
          let savedAt = Date.now();
          // Fire and forget, so never an unhandled rejection: the final save below reports a failure.
          const saveSoFar = () =>
            history
              .updateMessage(conversation.id, answer.id, { content: answer.content }, since)
              .catch((error: unknown) => console.warn('[chat] saving the answer so far failed', error));
          await session.generate(prompt.messages, {
            maxNewTokens: CHAT_ANSWER_TOKENS,
            signal,
            cacheKey: conversation.id,
            onPrefill: (done, total) => emit({ type: 'promptProgress', done, total }),
            onToken: (text) => {
              answer.content += text;
              emit({ type: 'token', text });
              if (Date.now() - savedAt > SAVE_EVERY_MS) {
                savedAt = Date.now();
                void saveSoFar();
              }
            },
          });
          answer.status = 'complete';
        },
        {
          signal,
          ...queue,
          onProgress: (progress) => emit({ type: 'modelProgress', progress }),
          onReady: (info) => emit({ type: 'engine', engine: info }),
        },
      );
    } catch (error) {
      if (isCancellation(error)) answer.status = 'stopped';
      failure = { error };
    }
    try {
      if (answer.content || answer.status === 'complete') {
        await history.updateMessage(
          conversation.id,
          answer.id,
          { content: answer.content, status: answer.status },
          since,
        );
      } else {
        await history.deleteMessage(conversation.id, answer.id);
      }
    } catch (saveError) {
      if (!failure) throw saveError;
      console.warn('[chat] saving the answer failed', saveError);
    }
    if (!clearEpoch.allows(since)) throw failure ? failure.error : cancelled();
    if (failure) {
      // Stopped or failed: the panel shows the conversation as saved, not the text it was streamed.
      const final = await history.get(conversation.id).catch(() => null);
      if (final) emit({ type: 'finalConversation', conversation: final });
      throw failure.error;
    }
    return (await history.get(conversation.id)) ?? conversation;
  };
}

/** Serves `getChat`: the tab's page and the latest conversation about it. */
export async function getChatView(
  history: HistoryStore,
  tabId: number,
): Promise<Omit<ChatView, 'answering'>> {
  const tab = await browser.tabs.get(tabId);
  const unreadable = await whyUnreadable(tab);
  if (unreadable) return { page: null, unreadable, conversation: null };
  const url = tab.url ?? '';
  return {
    page: { url, title: tab.title ?? url },
    unreadable: null,
    conversation: await history.latestForUrl(conversationUrl(url)),
  };
}
