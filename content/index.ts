import { contentRequests, isFromExtension, onRequests } from '../src/protocol';
import { extractPage } from '../src/text/extract';
import { clearHighlight, highlightText } from '../src/text/highlight';
import { extractSelection } from '../src/text/selection';

// Answers the worker's requests about this page; nothing runs until asked.
onRequests(
  contentRequests,
  {
    extractPage: () => extractPage(document),
    extractSelection: () => extractSelection(window),
    highlightText: ({ text }) => highlightText(document, text),
    clearHighlight: () => clearHighlight(document),
  },
  isFromExtension,
);
