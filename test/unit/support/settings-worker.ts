import { fakeBrowser } from '@webext-core/fake-browser';
import { vi } from 'vitest';
import { createSettingsWriter, type SettingsWriter } from '../../../src/handlers/settings-writer';
import { isExtensionPage, onRequests, workerRequests } from '../../../src/protocol';
import { popup } from './senders';

/**
 * The worker's settings requests, served by the one writer as `background/index.ts` serves them, and
 * `sendToWorker` routed to them as the browser routes a page's message (from the popup, an extension page).
 */
export function serveSettingsRequests(writer: SettingsWriter = createSettingsWriter()): SettingsWriter {
  vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation((async (message: unknown) => {
    const answers = await fakeBrowser.runtime.onMessage.trigger(message, popup as never, () => {});
    const answer = answers.find((a) => a !== undefined);
    if (answer === undefined)
      throw new Error('Could not establish connection. Receiving end does not exist.');
    return answer;
  }) as never);
  onRequests(
    { updateSettings: workerRequests.updateSettings, addImportedModel: workerRequests.addImportedModel },
    {
      updateSettings: (change) => writer.update(change),
      addImportedModel: ({ spec }) => writer.addImportedModel(spec),
    },
    isExtensionPage,
  );
  return writer;
}
