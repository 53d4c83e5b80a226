import { createSHA256 } from 'hash-wasm';
import { AppError, type LocalMessage, localMessage } from '../../errors';
import type { ModelSpec, TierId } from '../../model';
import { type CheckedFiles, createCheckedFiles } from './checked-files';
import { notEnoughSpace } from './downloader';
import { CONFIG_FILES, DTYPE_FILE_SUFFIX, fileUrl } from './hub-files';
import { createChunkBuffer, type ModelFileStore } from './model-file-store';

/** A file of the folder the user picked, by its path inside that folder (`onnx/model.onnx`). */
export interface PickedFile {
  path: string;
  size: number;
  /** The file's bytes, in pieces (a `File`'s `stream()`). */
  stream(): ReadableStream<Uint8Array>;
}

/**
 * Text-generation model types transformers.js 4.3.1 maps to a causal LM (its MODEL_FOR_CAUSAL_LM_MAPPING_NAMES),
 * without the vision and speech ones, whose folders need more than a tokenizer.
 */
const CAUSAL_LM_TYPES = new Set(
  (
    'bloom gpt2 gpt_oss jais gptj gpt_bigcode gpt_neo gpt_neox codegen llama nanochat apertus llama4_text arcee ' +
    'afmoe lfm2 lfm2_moe smollm3 exaone olmo olmo2 olmo3 olmo_hybrid mobilellm granite granitemoehybrid cohere ' +
    'cohere2 gemma gemma2 vaultgemma gemma3_text helium glm glm_moe_dsa openelm qwen2 qwen2_moe qwen3 qwen3_moe ' +
    'qwen3_next qwen3_5_text phi phi3 mpt opt mistral mistral4 ministral ministral3 ernie4_5 starcoder2 ' +
    'deepseek_v3 falcon falcon_h1 nemotron_h stablelm hunyuan_v1_dense'
  ).split(' '),
);

/** Which ONNX file is used when a folder has several: int8 first (the fastest CPU kernel), then by size. */
const DTYPE_PREFERENCE: ModelSpec['dtype'][] = ['q8', 'q4', 'fp32', 'q4f16', 'fp16'];

const TIERS_OF_DTYPE: Record<ModelSpec['dtype'], TierId[]> = {
  q8: ['wasm', 'wasm-threads'],
  q4: ['wasm', 'wasm-threads', 'webgpu'],
  fp32: ['wasm', 'wasm-threads', 'webgpu'],
  q4f16: ['webgpu'],
  fp16: ['webgpu'],
};

/** A folder that passed the checks: the spec it becomes and the files to store. */
export interface CheckedModelFolder {
  spec: ModelSpec;
  files: PickedFile[];
}

const importError = (text: LocalMessage) => new AppError('model-import', text);

async function readJson(file: PickedFile): Promise<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse(await new Response(file.stream()).text());
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below, with the file's name.
  }
  throw importError(localMessage('error_import_not_json', file.path));
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'model'
  );
}

/**
 * Checks that a picked folder holds a transformers.js text-generation model (`config.json` with a causal-LM
 * `model_type`, `tokenizer.json`, `tokenizer_config.json`, an `onnx/model*.onnx` of a known dtype) and makes
 * its spec. Paths are relative to the folder; a leading folder name (as `webkitRelativePath` gives) is cut.
 *
 * @throws AppError `model-import` naming what is missing or unsupported.
 */
export async function checkModelFolder(
  folderName: string,
  picked: readonly PickedFile[],
  takenIds: readonly string[] = [],
): Promise<CheckedModelFolder> {
  const byPath = new Map(picked.map((file) => [file.path, file]));
  const onnxFiles = picked.filter((file) => /^onnx\/[^/]+\.onnx$/.test(file.path)).map((file) => file.path);
  const dtype = DTYPE_PREFERENCE.find((d) => byPath.has(`onnx/model${DTYPE_FILE_SUFFIX[d]}.onnx`));
  const missing = ['config.json', 'tokenizer.json', 'tokenizer_config.json'].filter(
    (path) => !byPath.has(path),
  );
  if (!dtype) {
    const known = DTYPE_PREFERENCE.map((d) => `onnx/model${DTYPE_FILE_SUFFIX[d]}.onnx`).join(', ');
    missing.push(
      onnxFiles.length
        ? `an ONNX file of a dtype Pagewise knows (${known}; the folder has ${onnxFiles.join(', ')})`
        : `an onnx/ folder with one of ${known}`,
    );
  }
  if (missing.length > 0 || !dtype) {
    throw importError(localMessage('error_import_not_model', missing.join(', ')));
  }
  const config = await readJson(byPath.get('config.json') as PickedFile);
  await readJson(byPath.get('tokenizer_config.json') as PickedFile);
  const modelType = config.model_type;
  if (typeof modelType !== 'string' || !CAUSAL_LM_TYPES.has(modelType)) {
    throw importError(localMessage('error_import_not_causal', JSON.stringify(modelType ?? null)));
  }
  const weights = `onnx/model${DTYPE_FILE_SUFFIX[dtype]}.onnx`;
  const files = picked.filter(
    (file) =>
      // The files besides the weights that a hub download keeps too.
      CONFIG_FILES.includes(file.path) || file.path === weights || file.path.startsWith(`${weights}_data`),
  );
  const declared = Number(config.max_position_embeddings);
  const contextSize = Number.isInteger(declared) && declared >= 256 ? Math.min(declared, 32_768) : 2_048;
  const base = `imported-${slug(folderName)}`;
  let id = base;
  for (let n = 2; takenIds.includes(id); n++) id = `${base}-${n}`;
  return {
    files,
    spec: {
      id,
      name: folderName.slice(0, 120) || 'Imported model',
      repo: `imported/${id.slice('imported-'.length)}`,
      revision: 'local',
      dtype,
      contextSize,
      maxPromptTokens: Math.min(3_072, contextSize),
      maxChatPromptTokens: Math.min(4_096, contextSize),
      downloadBytes: files.reduce((sum, file) => sum + file.size, 0),
      bundled: false,
      imported: true,
      tiers: TIERS_OF_DTYPE[dtype],
      ...(dtype === 'q4f16' || dtype === 'fp16' ? { needsShaderF16: true } : {}),
      languages: 'As the model’s card says',
      license: 'As the model’s card says',
    },
  };
}

/** Bytes per stored chunk, as downloads use. */
const CHUNK_BYTES = 4 * 1024 * 1024;

export interface StoreImportOptions {
  store: ModelFileStore;
  host: string;
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
  onProgress?(done: number, total: number): void;
  /** Which files were hashed in this browser session (`storage.session` unless given). */
  checked?: CheckedFiles;
}

/**
 * Copies a checked folder into the model store, hashing each file as it is written, and records the manifest
 * so loads verify it like a download. A failure leaves nothing behind.
 *
 * @throws AppError `disk-full` when there is not room.
 */
export async function storeImportedModel(
  folder: CheckedModelFolder,
  options: StoreImportOptions,
): Promise<void> {
  const { store, host } = options;
  const { spec, files } = folder;
  const total = files.reduce((sum, file) => sum + file.size, 0);
  if (options.estimate) {
    const { usage = 0, quota } = await options.estimate();
    if (quota !== undefined && quota - usage < total)
      throw notEnoughSpace(spec.name, total, quota - usage, 'import');
  }
  const checked = options.checked ?? createCheckedFiles();
  let done = 0;
  try {
    const manifest = [];
    for (const file of files) {
      const url = fileUrl(host, spec, file.path);
      await store.resetFile({ url, modelId: spec.id, path: file.path, expected: { size: file.size } });
      const hash = await createSHA256();
      hash.init();
      const reader = file.stream().getReader();
      const chunk = createChunkBuffer(async (data) => {
        await store.appendChunk(url, data);
      });
      for (;;) {
        const { done: ended, value } = await reader.read();
        if (ended) break;
        hash.update(value);
        chunk.push(value);
        done += value.byteLength;
        if (chunk.size >= CHUNK_BYTES) {
          await chunk.flush();
          options.onProgress?.(done, total);
        }
      }
      await chunk.flush();
      const expected = { size: file.size, sha256: hash.digest('hex') };
      const stored = await store.getFile(url);
      if (stored?.received !== file.size) throw importError(localMessage('error_import_changed', file.path));
      await store.setVerified(url, true, expected);
      // Hashed as it was written: the first load in this browser session need not hash it again.
      await checked.add(url, expected);
      manifest.push({ path: file.path, url, expected });
      options.onProgress?.(done, total);
    }
    await store.putManifest({ modelId: spec.id, files: manifest });
  } catch (error) {
    await store.deleteModel(spec.id);
    throw error;
  }
}
