import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The operator console: built into dist/console, served by the API at /console. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The page is served next to the API: no source maps that would publish the sources with it.
    sourcemap: false,
  },
});
