import { defineConfig } from 'vite';
import { pagewiseConfig } from './vite.config';

/** Firefox's package from the same source (`npm run build:firefox`, `npm run build:test:firefox`). */
export default defineConfig(({ mode }) => pagewiseConfig('firefox', mode));
