// Builds the single-page app that the campuslink binary embeds from web/dist/.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const locales = fileURLToPath(new URL('../locales', import.meta.url));

export default defineConfig({
  plugins: [svelte()],
  resolve: {
    // The .ftl files are shared with the server, so they live outside web/.
    alias: { $locales: locales },
  },
  server: {
    fs: { allow: ['.', locales] },
    // `npm run dev` against a local `campuslink demo --listen 127.0.0.1:8080`.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The server's CSP allows data: images only; keep every asset a real file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
