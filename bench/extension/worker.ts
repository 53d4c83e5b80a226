import { engine, modelFiles, offscreen } from '../../background/index';
import { installBenchHooks } from './hooks';

// The bench builds' service worker (vite.config.ts puts it in their manifest): the extension's own worker,
// its listeners registered as it is imported, plus the hooks the bench times through. No other build has
// them, the test build included.
installBenchHooks(engine, offscreen, modelFiles);
