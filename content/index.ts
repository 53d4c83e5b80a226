import { contentRequests, isFromExtension, onRequests } from '../src/protocol';
import { extractPage, extractSelection } from '../src/text/extract';

// Answers the worker's requests for this page's text; nothing runs until asked.
onRequests(
  contentRequests,
  {
    extractPage: () => extractPage(document),
    extractSelection: () => extractSelection(window),
  },
  isFromExtension,
);
