/** The one typed protocol between the extension's contexts: what the rest of the code imports. */
export * from './messages';
export { onRequests, sendToTab, sendToWorker } from './requests';
export { isExtensionPage, isFromExtension } from './senders';
export { onStreams, openStream, type StreamContext, type StreamHandle } from './streams';
