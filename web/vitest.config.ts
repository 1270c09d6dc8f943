// Unit tests (vitest): the app's own modules under src/, with the app's Vite config.
// The browser tests in e2e/ run with node --test instead (npm run e2e).
import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.ts';

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
    },
  }),
);
