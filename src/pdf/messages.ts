import { AppError } from '../errors';

// What the user is told when a PDF can't be read as it is, each with its own code for the UI and tests.

/** pdf.js's `PasswordException` code 1: the PDF needs a password. */
export function pdfPasswordRequired(): AppError {
  return new AppError(
    'password-required',
    'This PDF is protected by a password. Enter it to read the PDF (Pagewise never stores it).',
  );
}

/** pdf.js's `PasswordException` code 2. */
export function pdfPasswordWrong(): AppError {
  return new AppError('password-wrong', 'That is the wrong password for this PDF. Check it and try again.');
}

export const SCANNED_PDF_MESSAGE =
  "This PDF has no text layer (it looks scanned), so Pagewise can't read it.";

/** Text on no page at all: an image-only PDF. No OCR here. */
export function pdfScanned(): AppError {
  return new AppError('empty-page', SCANNED_PDF_MESSAGE);
}

export function pdfDamaged(cause?: unknown): AppError {
  return new AppError(
    'unreadable-page',
    "This PDF is damaged (or not a PDF at all), so Pagewise can't read it. Download it again and retry.",
    { cause },
  );
}
