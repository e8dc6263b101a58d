import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'engine/**/*.test.ts',
      'aliases/**/*.test.ts',
      'bot/**/*.test.ts',
      'api/**/*.test.ts',
      'cli/**/*.test.ts',
      'adapters/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
