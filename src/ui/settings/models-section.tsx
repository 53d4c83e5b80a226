import type { TierId } from '../../model';
import type { ModelRow } from '../../protocol';
import { formatMegabytes } from '../model-status';
import { pickedFolder } from './settings-client';
import { useSettingsStore } from './settings-context';

/** The tiers whose models are listed together: one list for the CPU, one for the GPU. */
const GROUPS: { id: string; title: string; tiers: TierId[] }[] = [
  { id: 'cpu', title: 'On the CPU (WASM)', tiers: ['wasm', 'wasm-threads'] },
  { id: 'gpu', title: 'On the GPU (WebGPU)', tiers: ['webgpu'] },
];

const STATE_TEXT: Record<ModelRow['state'], string> = {
  available: 'Downloaded',
  downloadable: 'Not downloaded',
  downloading: 'Downloading…',
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
        {active && <span class="model-row__badge">In use</span>}
        <span class="model-row__facts">
          {model.bundled
            ? 'Packaged'
            : `${model.imported ? 'Imported' : 'Download'} ${formatMegabytes(model.downloadBytes)}`}
          {' · '}
          {model.languages} · {model.license} · {Math.round(model.contextSize / 1024)}k-token context
        </span>
        <span class="model-row__state">
          {STATE_TEXT[model.state]}
          {model.storedBytes > 0 && ` · ${formatMegabytes(model.storedBytes)} on disk`}
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
            Use
          </button>
        )}
        {deletable && (
          <button
            type="button"
            class="button button--quiet"
            data-testid="delete-model"
            onClick={() => void store.remove(model.id)}
          >
            Delete
          </button>
        )}
      </div>
    </li>
  );
}

function ImportStatus() {
  const { importing } = useSettingsStore();
  const state = importing.value;
  if (state.state === 'idle') return null;
  const text =
    state.state === 'importing'
      ? `Importing… ${Math.round(state.done / 1e6)} / ${formatMegabytes(state.total)}`
      : state.state === 'done'
        ? `Imported ${state.name}. Press Use to run it.`
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
            <span class="model-row__facts">
              This imported model’s entry could not be read ({entry.reason}), so it is not offered. The others
              are unaffected.
            </span>
          </div>
          {entry.id && (
            <div class="model-row__actions">
              <button
                type="button"
                class="button button--quiet"
                onClick={() => entry.id && void store.remove(entry.id)}
              >
                Delete
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
      <h2 id="models-heading">Models</h2>
      <p class="settings-section__intro">
        Pagewise downloads a model once, checks every file against Hugging Face’s published hashes, and keeps
        it in the extension’s storage.
      </p>
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
            <h3>{group.title}</h3>
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
          Import a model from a folder…
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
        <span class="settings-section__intro">
          A folder with <code>config.json</code>, <code>tokenizer.json</code>,{' '}
          <code>tokenizer_config.json</code> and <code>onnx/model_quantized.onnx</code> (or another dtype), as
          transformers.js models on Hugging Face have.
        </span>
        <ImportStatus />
      </div>
    </section>
  );
}
