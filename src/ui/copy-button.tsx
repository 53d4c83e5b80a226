import { useEffect, useState } from 'preact/hooks';

type Feedback = 'idle' | 'copied' | 'failed';

const LABELS: Record<Feedback, string> = { idle: 'Copy', copied: 'Copied', failed: 'Couldn’t copy' };

/** How long the button says "Copied" before it reads "Copy" again. */
const FEEDBACK_MS = 2000;

/** A button that copies, and says briefly whether it worked. */
export function CopyButton({
  onCopy,
  label = 'Copy summary',
}: {
  onCopy: () => Promise<boolean>;
  label?: string;
}) {
  const [feedback, setFeedback] = useState<Feedback>('idle');

  useEffect(() => {
    if (feedback === 'idle') return;
    const timer = setTimeout(() => setFeedback('idle'), FEEDBACK_MS);
    return () => clearTimeout(timer);
  }, [feedback]);

  return (
    <button
      type="button"
      class="button button--quiet"
      data-testid="copy"
      aria-label={feedback === 'idle' ? label : LABELS[feedback]}
      onClick={async () => setFeedback((await onCopy()) ? 'copied' : 'failed')}
    >
      <span aria-live="polite">{LABELS[feedback]}</span>
    </button>
  );
}
