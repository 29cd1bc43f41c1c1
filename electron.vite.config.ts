import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'electron-vite'

export default defineConfig({
  main: {
    build: {
      rollupOptions: { input: { index: resolve('main/index.ts') } },
    },
  },
  preload: {
    // A sandboxed preload can require only `electron`: bundle everything else into one CommonJS file.
    build: {
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('renderer'),
    plugins: [react()],
    build: {
      // The page loads at every start: a minified bundle parses in a fraction of the time.
      minify: true,
      rollupOptions: { input: resolve('renderer/index.html') },
    },
  },
})
