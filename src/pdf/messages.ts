import { AppError, localMessage } from '../errors';

// What the user is told when a PDF can't be read as it is, each with its own code for the UI and tests.

/** pdf.js's `PasswordException` code 1: the PDF needs a password. */
export function pdfPasswordRequired(): AppError {
  return new AppError('password-required', localMessage('error_pdf_password_required'));
}

/** pdf.js's `PasswordException` code 2. */
export function pdfPasswordWrong(): AppError {
  return new AppError('password-wrong', localMessage('error_pdf_password_wrong'));
}

/** Text on no page at all: an image-only PDF. No OCR here. */
export function pdfScanned(): AppError {
  return new AppError('empty-page', localMessage('error_pdf_scanned'));
}

export function pdfDamaged(cause?: unknown): AppError {
  return new AppError('unreadable-page', localMessage('error_pdf_damaged'), { cause });
}
