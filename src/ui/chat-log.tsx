import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { useChatStore } from './chat-context';
import { ChatMessage } from './chat-message';
import { SentenceAnnouncer } from './sentence-announcer';

/** How close to the bottom (px) still counts as "reading along" while an answer streams. */
const PIN_SLACK = 32;

/**
 * The conversation, scrolled to the latest message: it follows a streaming answer while the user reads
 * along at the bottom, stays put once they scroll up, and then offers a way back down.
 */
export function ChatLog({ empty }: { empty: ComponentChildren }) {
  const store = useChatStore();
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const lastTop = useRef(0);
  const [away, setAway] = useState(false);

  const messages = store.messages.value;
  const busy = store.busy.value;
  const conversationId = store.conversation.value?.id ?? null;
  const links = store.conversation.value?.links;
  const canRegenerate = store.canRegenerate.value;
  // The answer being written shows with its first words (its sources with it); until then the status
  // line says what is happening.
  const live = busy && store.answer.value.length > 0;

  const toBottom = useCallback(() => {
    const box = scroller.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, []);

  const follow = useCallback(() => {
    if (pinned.current) toBottom();
  }, [toBottom]);

  const jump = () => {
    pinned.current = true;
    setAway(false);
    toBottom();
  };

  // Another conversation starts at its end; a question just asked brings the view back down to it.
  const last = messages.at(-1);
  const justAsked = busy && last?.role === 'user';
  useLayoutEffect(() => {
    pinned.current = true;
    setAway(false);
    toBottom();
  }, [conversationId, justAsked, toBottom]);
  useLayoutEffect(follow, [messages.length, live, follow]);

  // The log shrinks when the box below it grows (a quoted selection, an error): keep the latest in view.
  useEffect(() => {
    const box = scroller.current;
    if (!box || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(follow);
    observer.observe(box);
    return () => observer.disconnect();
  }, [follow]);

  const onScroll = () => {
    const box = scroller.current;
    if (!box) return;
    const top = box.scrollTop;
    const atBottom = top + box.clientHeight >= box.scrollHeight - PIN_SLACK;
    // Scroll events come a frame late, when streamed text may already have grown the log: only a move up
    // is the user leaving the bottom; content growing under a pinned view is not.
    if (atBottom) pinned.current = true;
    else if (top < lastTop.current) pinned.current = false;
    lastTop.current = top;
    setAway(!pinned.current);
  };

  const hasContent = messages.length > 0 || live;
  return (
    <div class="chat-log-frame">
      <section class="chat-log" ref={scroller} onScroll={onScroll} aria-label={t('chat_conversation')}>
        {hasContent
          ? [
              ...messages.map((message, index) => (
                <ChatMessage
                  // By position, not id: the question shown at once and the answer being written become the
                  // saved messages at the same place, and must not be redrawn from nothing when they do.
                  key={index}
                  author={message.role}
                  text={message.content}
                  selection={message.selection}
                  sources={message.sources}
                  status={message.status}
                  links={links}
                  onShowSource={(source) => void store.showSource(source)}
                  onCopy={message.role === 'assistant' ? () => store.copy(message.id) : undefined}
                  onRegenerate={
                    canRegenerate && index === messages.length - 1 ? () => void store.regenerate() : undefined
                  }
                  onRender={follow}
                />
              )),
              live && (
                <ChatMessage
                  key={messages.length}
                  author="assistant"
                  text={store.answer}
                  sources={store.sources.value}
                  links={links}
                  live
                  onShowSource={(source) => void store.showSource(source)}
                  onRender={follow}
                />
              ),
            ]
          : empty}
      </section>
      <SentenceAnnouncer text={store.answer} streaming={busy} />
      {away && hasContent && (
        <button type="button" class="button jump" data-testid="jump-to-latest" onClick={jump}>
          {t('chat_jump_latest')}
        </button>
      )}
    </div>
  );
}
