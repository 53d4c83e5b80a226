import { AppError, asAppError, cancelled, localMessage } from '../../../errors';
import { GEMINI_NANO } from '../../registry';
import type { Backend, TierBackend } from '../../types';
import { toProgress } from './download';
import {
  BUILTIN_OPTIONS,
  getLanguageModel,
  type LanguageModelSession,
  probeBuiltinModel,
} from './prompt-api';
import { createChromeBuiltinSession } from './session';

// Chrome's built-in model as an engine backend. The folder: `prompt-api.ts` (the API's types, probe and
// measures), `budgets.ts` (token estimates calibrated per script), `session.ts` (prompting, follow-ups),
// `chunk-reader.ts` (stream chunks as deltas), `download.ts` (Chrome's download, from a click).

export { BUILTIN_ANSWER_TOKENS } from './budgets';
export { createChunkReader } from './chunk-reader';
export { downloadBuiltinModel } from './download';
export * from './prompt-api';

export interface ChromeBuiltinOptions {
  /**
   * Whether the user chose to let Chrome download its model (several GB): asked only when Chrome says
   * `downloadable`. Without it nothing is downloaded.
   */
  mayDownload?(): Promise<boolean>;
}

/** Runs models with Chrome's own Prompt API: Gemini Nano, downloaded and run by Chrome. */
export function createChromeBuiltinBackend(options: ChromeBuiltinOptions = {}): Backend {
  return {
    id: 'chrome-builtin',

    async availability() {
      return (await probeBuiltinModel()) ?? 'unavailable';
    },

    async load(model, onProgress, signal) {
      const api = getLanguageModel();
      if (!api) {
        throw new AppError('model-load', localMessage('tier_builtin_missing'));
      }
      const state = await probeBuiltinModel();
      if (state === 'unavailable') {
        throw new AppError('model-load', localMessage('error_builtin_cannot_run'));
      }
      if (state === 'downloadable' && !(await options.mayDownload?.())) {
        throw new AppError(
          'model-download',
          localMessage('error_builtin_not_downloaded', model.name, Math.round(model.downloadBytes / 1e9)),
        );
      }
      let base: LanguageModelSession;
      try {
        base = await api.create({
          ...BUILTIN_OPTIONS,
          ...(signal ? { signal } : {}),
          // Chrome's own download, when the user chose to start it (or started it elsewhere), shows here.
          monitor(monitor) {
            monitor.addEventListener('downloadprogress', (event) => onProgress(toProgress(event, model)));
          },
        });
      } catch (error) {
        if (signal?.aborted) throw cancelled();
        // Chrome may want a user gesture to start its download, which a worker never has.
        if (error instanceof Error && error.name === 'NotAllowedError') {
          throw new AppError('model-download', localMessage('error_builtin_click', model.name), {
            cause: error,
          });
        }
        throw new AppError(
          state === 'available' ? 'model-load' : 'model-download',
          localMessage('error_builtin_start', error instanceof Error ? error.message : String(error)),
          { cause: error },
        );
      }
      try {
        return await createChromeBuiltinSession(api, base, model);
      } catch (error) {
        base.destroy();
        throw asAppError(error);
      }
    },
  };
}

/** The `chrome-builtin` tier for the engine's tier list: Gemini Nano on Chrome's Prompt API. */
export function createChromeBuiltinTier(options: ChromeBuiltinOptions = {}): TierBackend {
  return {
    tier: 'chrome-builtin',
    backend: createChromeBuiltinBackend(options),
    model: async () => GEMINI_NANO,
  };
}
