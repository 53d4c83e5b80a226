import { useRef } from 'preact/hooks';
import { t } from '../i18n';
import type { UiError } from './model-status';

/** Whether the error asks for a PDF's password (pdf.js's `PasswordException`, code 1 or 2). */
export function needsPassword(error: UiError | null): boolean {
  return error?.code === 'password-required' || error?.code === 'password-wrong';
}

/**
 * The field a protected PDF's password is typed in. The password goes with one request and is kept nowhere:
 * the field is emptied once it is sent.
 */
export function PdfPasswordForm({ onSubmit }: { onSubmit(password: string): void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <form
      class="pdf-password"
      onSubmit={(event) => {
        event.preventDefault();
        const field = input.current;
        if (!field?.value) return;
        const password = field.value;
        field.value = '';
        onSubmit(password);
      }}
    >
      <label class="pdf-password__label">
        {t('common_pdf_password')}
        <input
          ref={input}
          class="pdf-password__input"
          type="password"
          autocomplete="off"
          data-testid="pdf-password"
          required
        />
      </label>
      <button type="submit" class="button button--primary" data-testid="pdf-password-submit">
        {t('common_open')}
      </button>
    </form>
  );
}
