/**
 * The engine as an extension page may reach it: the work that must run in the page itself. A folder the
 * user picks exists as File objects only there, so it is checked and copied into the model store (IndexedDB,
 * the worker's origin) from the page; and Chrome may start its built-in model's download only from a click
 * in a page. The settings page imports this module and nothing else of `engine/`; everything else it asks
 * the worker.
 */
export { downloadBuiltinModel } from './backends/chrome-builtin/download';
export { HUB_HOST } from './files/hub-files';
export { checkModelFolder, type PickedFile, storeImportedModel } from './files/import-model';
export { createModelFileStore } from './files/model-file-store';
