import { contentRequests, isFromExtension, onRequests } from '../src/protocol';
import { extractPage, pdfPlaceholder } from '../src/text/extract';
import { clearHighlight, highlightText } from '../src/text/highlight';
import { extractSelection } from '../src/text/selection';

// Answers the worker's requests about this page; nothing runs until asked. A PDF tab answers that it is one:
// the worker then injects the PDF reader, which only PDF tabs carry.
onRequests(
  contentRequests,
  {
    extractPage: () =>
      document.contentType === 'application/pdf' ? pdfPlaceholder(document) : extractPage(document),
    extractSelection: () => extractSelection(window),
    highlightText: ({ text }) => highlightText(document, text),
    clearHighlight: () => clearHighlight(document),
  },
  isFromExtension,
);
