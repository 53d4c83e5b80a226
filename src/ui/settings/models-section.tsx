import { type MessageKey, t } from '../../i18n';
import type { TierId } from '../../model';
import type { ModelRow } from '../../protocol';
import { formatMegabytes } from '../model-status';
import { pickedFolder } from './settings-client';
import { useSettingsStore } from './settings-context';

/** The tiers whose models are listed together: one list for the CPU, one for the GPU. */
const GROUPS: { id: string; title: MessageKey; tiers: TierId[] }[] = [
  { id: 'cpu', title: 'settings_group_cpu', tiers: ['wasm', 'wasm-threads'] },
  { id: 'gpu', title: 'settings_group_gpu', tiers: ['webgpu'] },
];

const STATE_TEXT: Record<ModelRow['state'], MessageKey> = {
  available: 'model_downloaded',
  downloadable: 'model_not_downloaded',
  downloading: 'model_downloading',
};

function ModelRowView({ model, group }: { model: ModelRow; group: (typeof GROUPS)[number] }) {
  const store = useSettingsStore();
  const active = group.tiers.some((tier) => model.activeOn.includes(tier));
  const deletable = !model.bundled && (model.imported || model.storedBytes > 0);
  return (
    <li
      class="model-row"
      data-testid="model"
      data-model-id={model.id}
      data-tier={group.id}
      data-state={model.state}
      data-active={active ? 'true' : 'false'}
    >
      <div class="model-row__main">
        <strong class="model-row__name">{model.name}</strong>
        {active && <span class="model-row__badge">{t('common_in_use')}</span>}
        <span class="model-row__facts">
          {model.bundled
            ? t('model_packaged')
            : t(
                model.imported ? 'model_imported_size' : 'model_download_size',
                formatMegabytes(model.downloadBytes),
              )}
          {' · '}
          {model.languages} · {model.license} · {t('model_context', Math.round(model.contextSize / 1024))}
        </span>
        <span class="model-row__state">
          {t(STATE_TEXT[model.state])}
          {model.storedBytes > 0 && ` · ${t('model_on_disk', formatMegabytes(model.storedBytes))}`}
        </span>
      </div>
      <div class="model-row__actions">
        {!active && (
          <button
            type="button"
            class="button"
            data-testid="use-model"
            onClick={() =>
              void store.use(
                model,
                group.tiers.filter((tier) => model.tiers.includes(tier)),
              )
            }
          >
            {t('common_use')}
          </button>
        )}
        {deletable && (
          <button
            type="button"
            class="button button--quiet"
            data-testid="delete-model"
            onClick={() => void store.remove(model.id)}
          >
            {t('common_delete')}
          </button>
        )}
      </div>
    </li>
  );
}

/** The files an importable folder has (named in the hint, not translated). */
const IMPORT_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'];

function ImportStatus() {
  const { importing } = useSettingsStore();
  const state = importing.value;
  if (state.state === 'idle') return null;
  const text =
    state.state === 'importing'
      ? t('import_progress', Math.round(state.done / 1e6), formatMegabytes(state.total))
      : state.state === 'done'
        ? t('import_done', state.name)
        : state.error.message;
  return (
    <p
      class={`status${state.state === 'error' ? ' status--error' : ''}`}
      data-testid="import-status"
      data-state={state.state}
      role={state.state === 'error' ? 'alert' : 'status'}
    >
      {text}
    </p>
  );
}

/** Imported entries the worker could not read: each named, with why, and a Delete when it has an id. */
function UnreadableImports() {
  const store = useSettingsStore();
  if (store.unreadable.value.length === 0) return null;
  return (
    <ul class="model-list" data-testid="unreadable-imports">
      {store.unreadable.value.map((entry, index) => (
        <li key={entry.id ?? index} class="model-row status status--error" role="alert">
          <div class="model-row__main">
            <strong class="model-row__name">{entry.label}</strong>
            <span class="model-row__facts">{t('import_unreadable', entry.reason)}</span>
          </div>
          {entry.id && (
            <div class="model-row__actions">
              <button
                type="button"
                class="button button--quiet"
                onClick={() => entry.id && void store.remove(entry.id)}
              >
                {t('common_delete')}
              </button>
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Every model of each tier, what is stored, the one in use; Use, Delete, and importing a folder. */
export function ModelsSection() {
  const store = useSettingsStore();
  const models = store.models.value;
  return (
    <section class="settings-section" aria-labelledby="models-heading">
      <h2 id="models-heading">{t('settings_models')}</h2>
      <p class="settings-section__intro">{t('settings_models_intro')}</p>
      {store.error.value && (
        <p class="status status--error" role="alert" data-testid="models-error">
          {store.error.value.message}
        </p>
      )}
      <UnreadableImports />
      {GROUPS.map((group) => {
        const rows = models.filter((model) => model.tiers.some((tier) => group.tiers.includes(tier)));
        if (rows.length === 0) return null;
        return (
          <div key={group.id} class="model-group">
            <h3>{t(group.title)}</h3>
            <ul class="model-list">
              {rows.map((model) => (
                <ModelRowView key={model.id} model={model} group={group} />
              ))}
            </ul>
          </div>
        );
      })}
      <div class="model-import">
        <label class="button" for="import-model">
          {t('import_button')}
        </label>
        <input
          id="import-model"
          class="sr-only"
          type="file"
          data-testid="import-model"
          // A transformers.js model folder: config.json, tokenizer files and onnx/.
          {...{ webkitdirectory: true }}
          multiple
          onChange={(event) => {
            const input = event.currentTarget;
            if (!input.files?.length) return;
            const { folderName, files } = pickedFolder(input.files);
            void store.importFolder(folderName, files).finally(() => {
              input.value = '';
            });
          }}
        />
        <span class="settings-section__intro">{t('import_hint', ...IMPORT_FILES)}</span>
        <ImportStatus />
      </div>
    </section>
  );
}
