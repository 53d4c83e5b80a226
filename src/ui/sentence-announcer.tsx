import type { ReadonlySignal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { newSentences } from './sentences';

/**
 * A polite live region for a streamed answer or summary: screen readers hear it sentence by sentence, not
 * token by token, and the rest once it is finished. The streamed text itself is `aria-busy` meanwhile.
 * Only this small component re-renders per token; the text it watches is drawn elsewhere.
 */
export function SentenceAnnouncer({ text, streaming }: { text: ReadonlySignal<string>; streaming: boolean }) {
  const [said, setSaid] = useState('');
  const announced = useRef(0);
  // The run's text as last seen: the store may clear it once the run ends, before the rest is said.
  const seen = useRef('');
  const value = text.value;

  useEffect(() => {
    if (streaming) {
      if (value.length < seen.current.length || !value.startsWith(seen.current)) announced.current = 0;
      seen.current = value;
    } else if (!seen.current) {
      return;
    }
    const { say, upTo } = newSentences(seen.current, announced.current, !streaming);
    announced.current = upTo;
    if (!streaming) {
      seen.current = '';
      announced.current = 0;
    }
    if (say) setSaid(say);
  }, [value, streaming]);

  return (
    <div class="sr-only" aria-live="polite" data-testid="announcer">
      {said}
    </div>
  );
}
