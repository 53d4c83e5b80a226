import type { ModelFiles } from '../engine/backends/transformers-files';
import type { Engine } from '../engine/engine';
import { defaultModelForTier, findModel, type GpuFacts, modelsForTier } from '../engine/registry';
import { AppError, localMessage } from '../errors';
import { type ModelSpec, TIER_IDS, type TierId } from '../model';
import type { ModelList, ModelRow } from '../protocol';
import { readSettings, type Settings } from '../settings';
import type { SettingsWriter } from './settings-writer';

export interface ModelsDependencies {
  files: ModelFiles;
  /** The engine, to tell which model is downloading now, and to let go of a deleted one. */
  engine: Pick<Engine, 'status' | 'reconfigure'>;
  buildMode: string;
  /** The worker's one settings writer: a deleted import leaves the list as it is now. */
  settings: SettingsWriter;
}

/** Tiers that run a model of this list (Chrome's built-in tier runs Chrome's own). */
const MODEL_TIERS = TIER_IDS.filter((tier) => tier !== 'chrome-builtin' && tier !== 'local-server');

/** The model a tier uses: the user's pick when it exists and suits the tier, else the tier's default. */
export function activeModel(
  tier: TierId,
  settings: Settings,
  buildMode: string,
  gpu?: GpuFacts,
): ModelSpec | undefined {
  const picked = settings.models[tier];
  const model = picked ? findModel(picked, settings.importedModels) : undefined;
  const offered =
    model && modelsForTier(tier, settings.importedModels, buildMode).some((m) => m.id === model.id);
  return offered ? model : defaultModelForTier(tier, buildMode, gpu);
}

/** Serves Settings' `listModels` and `deleteModel`. */
export function createModelsHandler({ files, engine, buildMode, settings: writer }: ModelsDependencies) {
  return {
    async listModels(): Promise<ModelList> {
      const { settings, unreadable } = await readSettings();
      for (const entry of unreadable)
        console.warn(
          `Pagewise: imported model “${entry.label}” is unreadable and not offered (${entry.reason}).`,
        );
      const models = new Map<string, ModelSpec>();
      for (const tier of MODEL_TIERS) {
        for (const model of modelsForTier(tier, settings.importedModels, buildMode))
          models.set(model.id, model);
      }
      const status = await engine.status();
      const rows: ModelRow[] = [];
      for (const model of models.values()) {
        const stored = await files.store.filesOfModel(model.id);
        const downloading = status.availability === 'downloading' && status.modelId === model.id;
        const ready = model.bundled || (await files.downloader.isReady(model.id));
        rows.push({
          id: model.id,
          name: model.name,
          downloadBytes: model.downloadBytes,
          languages: model.languages,
          license: model.license,
          contextSize: model.contextSize,
          tiers: [...model.tiers],
          imported: model.imported === true,
          bundled: model.bundled,
          state: downloading ? 'downloading' : ready ? 'available' : 'downloadable',
          storedBytes: stored.reduce((sum, file) => sum + file.received, 0),
          activeOn: MODEL_TIERS.filter((tier) => activeModel(tier, settings, buildMode)?.id === model.id),
        });
      }
      return { models: rows, unreadable: unreadable.map(({ label, reason, id }) => ({ label, reason, id })) };
    },

    async deleteModel({ id }: { id: string }): Promise<undefined> {
      const { settings, unreadable } = await readSettings();
      const model = findModel(id, settings.importedModels);
      if (!model && unreadable.some((entry) => entry.id === id)) {
        // An unreadable entry can still be deleted by its id, files and all.
        await files.store.deleteModel(id);
        await writer.removeImportedModel(id);
        return undefined;
      }
      if (!model) throw new AppError('invalid-message', localMessage('error_no_such_model'));
      if (model.bundled) throw new AppError('invalid-message', localMessage('error_packaged_model'));
      await files.store.deleteModel(id);
      // A loaded copy of it goes too: the next request loads what is left.
      engine.reconfigure();
      // Its files are gone for good: it leaves the list, and tiers that used it go back to their default.
      if (model.imported) await writer.removeImportedModel(id);
      return undefined;
    },
  };
}
