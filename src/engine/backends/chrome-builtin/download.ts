import { AppError, cancelled, localMessage } from '../../../errors';
import type { ModelSpec } from '../../../model';
import type { DownloadProgress } from '../../../protocol';
import { GEMINI_NANO } from '../../registry';
import { BUILTIN_OPTIONS, getLanguageModel, type LanguageModelProgressEvent } from './prompt-api';

/** Chrome's fraction (or, in older versions, bytes) as our progress, sized by the model's download. */
export function toProgress(event: LanguageModelProgressEvent, model: ModelSpec): DownloadProgress {
  const fraction = event.total && event.total > 1 ? event.loaded / event.total : event.loaded;
  const total = model.downloadBytes;
  const loaded = Math.round(Math.min(1, Math.max(0, fraction)) * total);
  return { files: [{ name: model.name, loaded, total }], loaded, total };
}

/**
 * Starts Chrome's download of its model, for the user's click on the settings page (Chrome may want a user
 * gesture for it, which the worker never has): a session created with the download monitor, destroyed once
 * the model is ready. Where the model is already there it returns at once.
 */
export async function downloadBuiltinModel(
  onProgress: (progress: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  const api = getLanguageModel();
  if (!api) throw new AppError('model-download', localMessage('tier_builtin_missing'));
  try {
    const session = await api.create({
      ...BUILTIN_OPTIONS,
      ...(signal ? { signal } : {}),
      monitor(monitor) {
        monitor.addEventListener('downloadprogress', (event) => onProgress(toProgress(event, GEMINI_NANO)));
      },
    });
    session.destroy();
  } catch (error) {
    if (signal?.aborted) throw cancelled();
    throw new AppError(
      'model-download',
      localMessage('error_builtin_download', error instanceof Error ? error.message : String(error)),
      { cause: error },
    );
  }
}
