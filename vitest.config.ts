import { defineConfig } from 'vitest/config';

export const config = defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

// vitest discovers its configuration through the default export of this file.
// eslint-disable-next-line import-x/no-default-export
export default config;
