import { useEffect, useState } from 'preact/hooks';
import { type MessageKey, t } from '../i18n';

type Feedback = 'idle' | 'copied' | 'failed';

const LABELS: Record<Feedback, MessageKey> = {
  idle: 'common_copy',
  copied: 'common_copied',
  failed: 'common_copy_failed',
};

/** How long the button says "Copied" before it reads "Copy" again. */
const FEEDBACK_MS = 2000;

/** A button that copies, and says briefly whether it worked. */
export function CopyButton({
  onCopy,
  label,
}: {
  onCopy: () => Promise<boolean>;
  /** What is copied, for assistive technology ("Copy answer as Markdown"). */
  label: string;
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
      aria-label={feedback === 'idle' ? label : t(LABELS[feedback])}
      onClick={async () => setFeedback((await onCopy()) ? 'copied' : 'failed')}
    >
      <span aria-live="polite">{t(LABELS[feedback])}</span>
    </button>
  );
}
