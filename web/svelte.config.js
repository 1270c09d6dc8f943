import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // The server's CSP forbids inline styles: component CSS goes to external files.
    css: 'external',
  },
};
