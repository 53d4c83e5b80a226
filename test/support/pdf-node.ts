import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CMapLoader } from '../../src/pdf/read-pdf';

/** pdf.js's packed cMaps, read from the package as the extension reads its packaged copy. */
export const loadCMapFromPackage: CMapLoader = async (name) =>
  new Uint8Array(await readFile(resolve('node_modules/pdfjs-dist/cmaps', `${name}.bcmap`)));
