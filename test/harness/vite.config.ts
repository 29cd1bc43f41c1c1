import { resolve } from 'node:path'
import { defineConfig } from 'vite'

/** Builds the harness's `window.rao` bridge: test-only, never part of the app's bundles. */
export default defineConfig({
  build: {
    lib: {
      entry: resolve(import.meta.dirname, 'bridge.ts'),
      formats: ['iife'],
      name: 'raoHarnessBridge',
      fileName: () => 'bridge.js',
    },
    outDir: resolve(import.meta.dirname, '../../out/harness'),
    emptyOutDir: true,
  },
})
