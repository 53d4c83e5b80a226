/** The one typed protocol between the extension's contexts: what the rest of the code imports. */
export {
  type AttachClient,
  createWorkerClient,
  type RequestClient,
  type StreamClient,
  type WorkerClient,
  type WorkerClientPart,
} from './client';
export { onStreams, type StreamContext, type StreamServer } from './jobs';
export * from './messages';
export * from './payloads';
export { onRequests, sendToPdfTab, sendToTab, sendToWorker, sendToWorkerFromPdf } from './requests';
export { isExtensionPage, isFromExtension, isOwnContentScript, isServiceWorker } from './senders';
export { attachStream, openStream, type StreamHandle } from './streams';
