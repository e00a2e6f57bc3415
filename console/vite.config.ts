// The console builds into dist/, which the API serves at /console. `npm run console:dev` serves it with hot
// reload and sends every other path to the API running at CONSOLE_API (default http://127.0.0.1:3000).
import path from 'node:path';
import { defineConfig } from 'vite';

const api = process.env.CONSOLE_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: __dirname,
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0, reportCompressedSize: true },
  server: {
    port: Number(process.env.CONSOLE_PORT ?? 5173),
    // The console shares the pure calendar arithmetic of domain/ with the workflows.
    fs: { allow: [path.resolve(__dirname, '..')] },
    proxy: { '^/(?!console)': { target: api, changeOrigin: false } },
  },
});
