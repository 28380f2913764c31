import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('../../../dist/public/console/', import.meta.url)),
    emptyOutDir: true,
    // Assets stay files: the CSP's font-src 'self' would refuse them inlined as data: URLs.
    assetsInlineLimit: 0,
  },
});
