import { AppError, localMessage } from '../../errors';
import type { ModelSpec } from '../../model';
import type { FileExpectation } from './model-file-store';

/** The hub the extension downloads models from. */
export const HUB_HOST = 'https://huggingface.co/';

/** What a model's files are found by: its repository, pinned revision and dtype. */
export type HubModelRef = Pick<ModelSpec, 'id' | 'name' | 'repo' | 'revision' | 'dtype'>;

/** The ONNX file name each dtype selects, as transformers.js names them (DEFAULT_DTYPE_SUFFIX_MAPPING). */
export const DTYPE_FILE_SUFFIX: Record<ModelSpec['dtype'], string> = {
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
  fp16: '_fp16',
  fp32: '',
};

/** `onnx/model_quantized.onnx` for q8, and so on. */
export function onnxPath(dtype: ModelSpec['dtype']): string {
  return `onnx/model${DTYPE_FILE_SUFFIX[dtype]}.onnx`;
}

/**
 * Files transformers.js reads to run a text model, besides the ONNX weights: the tokenizer and configs.
 * `vocab.json`/`merges.txt` are left out: `tokenizer.json` carries the same, and they would add megabytes.
 */
export const CONFIG_FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
];
const REQUIRED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];

/** The URL transformers.js asks its cache for: `{host}{repo}/resolve/{revision}/{path}`. */
export function fileUrl(host: string, model: Pick<ModelSpec, 'repo' | 'revision'>, path: string): string {
  return `${host}${model.repo}/resolve/${encodeURIComponent(model.revision)}/${path}`;
}

/** One entry of the hub's tree API (`GET /api/models/{repo}/tree/{revision}?recursive=true`). */
interface TreeEntry {
  type: string;
  path: string;
  size: number;
  /** Git blob SHA-1 for ordinary files; for LFS files the pointer's, so `lfs.oid` is what to check. */
  oid?: string;
  lfs?: { oid: string; size: number };
}

/** A file to download and what it must be. */
export interface HubFile {
  path: string;
  url: string;
  expected: FileExpectation;
}

function isTreeEntry(value: unknown): value is TreeEntry {
  const entry = value as TreeEntry;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.path === 'string' &&
    typeof entry.type === 'string' &&
    typeof entry.size === 'number'
  );
}

/**
 * The files of a model and their sizes and hashes, from the hub's tree API. LFS files carry their SHA-256
 * (`lfs.oid`); others their git blob SHA-1 (`oid`), which is checked too.
 *
 * @throws AppError `model-download` when the hub cannot be reached or lacks a file the model needs.
 */
export async function listModelFiles(
  host: string,
  model: HubModelRef,
  fetchFn: typeof fetch,
  signal?: AbortSignal,
): Promise<HubFile[]> {
  let next: string | null =
    `${host}api/models/${model.repo}/tree/${encodeURIComponent(model.revision)}?recursive=true`;
  const entries: TreeEntry[] = [];
  while (next) {
    const response: Response = await fetchFn(next, { signal });
    if (!response.ok) {
      throw new AppError('model-download', localMessage('error_hub_list', model.name, response.status));
    }
    const page: unknown = await response.json();
    if (!Array.isArray(page)) throw new AppError('model-download', localMessage('error_hub_unexpected'));
    entries.push(...page.filter(isTreeEntry));
    // The tree API pages long listings with a Link header, as GitHub's does.
    next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1] ?? null;
  }
  return pickModelFiles(host, model, entries);
}

/** The entries a model needs: configs, tokenizer, and the ONNX file of its dtype with any external data. */
export function pickModelFiles(host: string, model: HubModelRef, entries: readonly TreeEntry[]): HubFile[] {
  const onnx = onnxPath(model.dtype);
  const files = entries.filter(
    (entry) =>
      entry.type === 'file' &&
      (CONFIG_FILES.includes(entry.path) ||
        entry.path === onnx ||
        // Large models keep weights beside the graph: `model_q4f16.onnx_data`, `…onnx_data_1`.
        entry.path.startsWith(`${onnx}_data`)),
  );
  const missing = [...REQUIRED_FILES, onnx].filter((path) => !files.some((file) => file.path === path));
  if (missing.length > 0) {
    throw new AppError(
      'model-download',
      localMessage('error_hub_missing', model.name, missing.join(', '), model.revision),
    );
  }
  return files.map((entry) => ({
    path: entry.path,
    url: fileUrl(host, model, entry.path),
    expected: entry.lfs
      ? { size: entry.lfs.size, sha256: entry.lfs.oid }
      : { size: entry.size, ...(entry.oid ? { gitSha1: entry.oid } : {}) },
  }));
}
